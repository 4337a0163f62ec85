/**
 * Every fake platform the local runtime starts, built with the app credentials Reach uses.
 * One line per platform family.
 */
import type { FakeAppOptions, FakePlatform } from './framework';
import { createGoogleFake } from './google';
import { createLinkedinFake } from './linkedin';
import { createMetaFake } from './meta';
import { createTiktokFake } from './tiktok';
import { createXFake } from './x';

const need = (credentials: Readonly<Record<string, FakeAppOptions>>, platform: string): FakeAppOptions => {
  const c = credentials[platform];
  if (!c) throw new Error(`no app credentials for the ${platform} fake`);
  return c;
};

export const createAllFakes = (credentials: Readonly<Record<string, FakeAppOptions>>): FakePlatform[] => [
  createMetaFake(need(credentials, 'facebook'), { instagramApp: need(credentials, 'instagram') }),
  createGoogleFake(need(credentials, 'youtube'), { extraClients: [need(credentials, 'google_business')] }),
  createTiktokFake(need(credentials, 'tiktok')),
  createXFake(need(credentials, 'x')),
  createLinkedinFake(need(credentials, 'linkedin')),
];
