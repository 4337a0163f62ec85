/**
 * Every fake platform the local runtime starts, built with the app credentials Reach uses.
 * One line per platform family.
 */
import type { FakeAppOptions, FakePlatform } from './framework';

export const createAllFakes = (_credentials: Readonly<Record<string, FakeAppOptions>>): FakePlatform[] => [];
