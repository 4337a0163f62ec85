import type { Provider } from './provider';

/** The platforms this deployment has enabled, by id. */
export interface PlatformDirectory {
  get(platform: string): Provider | undefined;
  list(): readonly Provider[];
}
