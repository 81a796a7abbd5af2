import { describe, expect, it } from 'vitest';
import { CommonSettings, loadSettings, SettingsError } from './settings.ts';

describe('loadSettings', () => {
  it('defaults to the local services with zero configuration', () => {
    expect(loadSettings(CommonSettings, {})).toMatchObject({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/pulse',
      NATS_URL: 'nats://127.0.0.1:4222',
      NATS_PREFIX: '',
    });
  });

  it('stops on a malformed DATABASE_URL with a message that names it', () => {
    const err = (() => {
      try {
        loadSettings(CommonSettings, { DATABASE_URL: 'localhost:5432/pulse', NATS_URL: 'nats://x:1' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SettingsError);
    expect((err as Error).message).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
  });

  it('names every bad setting at once', () => {
    expect(() => loadSettings(CommonSettings, { NATS_URL: 'http://x', LOG_LEVEL: 'loud' })).toThrow(/NATS_URL[\s\S]*LOG_LEVEL/);
  });
});
