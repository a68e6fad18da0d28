import { stringOption, type CliCommand } from '../cli-command.js';

export const createProfileCommand: CliCommand = {
  name: 'create-profile',
  summary: 'Create a browser profile (keeps cookies and logins between sessions)',
  usage: 'smooth create-profile [--profile-id ID]',
  options: { 'profile-id': { type: 'string' } },
  async run({ values, output, client }) {
    const profile = await (await client()).createProfile(stringOption(values, 'profile-id'));
    output.result('Profile created', { profile_id: profile.id }, ['Profile created successfully!', `Profile ID: ${profile.id}`]);
    return 0;
  },
};

export const listProfilesCommand: CliCommand = {
  name: 'list-profiles',
  summary: 'List browser profiles',
  usage: 'smooth list-profiles',
  options: {},
  async run({ output, client }) {
    const profiles = await (await client()).listProfiles();
    const lines = profiles.length ? [`Found ${profiles.length} profile(s):`, ...profiles.map((profile) => `  - ${profile.id}`)] : ['No profiles found.'];
    output.result(`${profiles.length} profile(s)`, { profiles: profiles.map((profile) => ({ id: profile.id })), count: profiles.length }, lines);
    return 0;
  },
};

export const deleteProfileCommand: CliCommand = {
  name: 'delete-profile',
  summary: 'Delete a browser profile',
  usage: 'smooth delete-profile <profile-id>',
  options: {},
  positionals: ['profile-id'],
  async run({ positionals, output, client }) {
    const [profileId = ''] = positionals;
    await (await client()).deleteProfile(profileId);
    output.result('Profile deleted', { profile_id: profileId }, [`Profile '${profileId}' deleted successfully!`]);
    return 0;
  },
};
