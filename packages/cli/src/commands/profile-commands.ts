import { stringOption, type CliCommand } from '../cli-command.js';

export const createProfileCommand: CliCommand = {
  name: 'create-profile',
  summary: 'Create a browser profile (keeps cookies and logins between sessions)',
  usage: 'smooth create-profile [--profile-id ID]',
  options: { 'profile-id': { type: 'string' } },
  async run({ values, output, client }) {
    const profile = await (await client()).createProfile(stringOption(values, 'profile-id'));
    output.result({ id: profile.id }, ['Profile created successfully!', `Profile ID: ${profile.id}`]);
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
    output.result(profiles.map((profile) => ({ id: profile.id })), lines);
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
    output.result({ id: profileId, deleted: true }, [`Profile '${profileId}' deleted successfully!`]);
    return 0;
  },
};
