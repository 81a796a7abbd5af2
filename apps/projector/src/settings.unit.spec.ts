import { describe, expect, it } from 'vitest';
import { loadSettings } from '@pulse/platform';
import { ProjectorSettings } from './settings.ts';

describe('projector settings', () => {
  it('works with no configuration at all', () => {
    expect(loadSettings(ProjectorSettings, {})).toMatchObject({
      PROJECTOR_BATCH: 5000,
      PROJECTOR_POLL_MS: 1000,
      PULSE_OFFLINE_AFTER_S: 90,
      PULSE_OVERDUE_AFTER_S: 300,
      PROJECTOR_ABSENCE_CHECK_MS: 5000,
      PROJECTOR_NICE: 5,
    });
  });

  it('names a bad setting', () => {
    expect(() => loadSettings(ProjectorSettings, { PROJECTOR_BATCH: 'lots' })).toThrow(
      /PROJECTOR_BATCH: must be a number/,
    );
    expect(() => loadSettings(ProjectorSettings, { PROJECTOR_NICE: '20' })).toThrow(/PROJECTOR_NICE/);
    expect(() => loadSettings(ProjectorSettings, { PULSE_OFFLINE_AFTER_S: '-1' })).toThrow(
      /PULSE_OFFLINE_AFTER_S/,
    );
  });

  it('refuses an overdue threshold that does not come after the offline one', () => {
    expect(() =>
      loadSettings(ProjectorSettings, { PULSE_OFFLINE_AFTER_S: '300', PULSE_OVERDUE_AFTER_S: '90' }),
    ).toThrow(/PULSE_OVERDUE_AFTER_S: must be greater than PULSE_OFFLINE_AFTER_S/);
  });
});
