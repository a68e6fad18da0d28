import type { CliCommand } from '../cli-command.js';

export const liveViewCommand: CliCommand = {
  name: 'live-view',
  summary: 'Print the interactive live view URL of a session',
  usage: 'smooth live-view <session-id>',
  options: {},
  positionals: ['session-id'],
  async run({ positionals, output, client }) {
    const [sessionId = ''] = positionals;
    const liveUrl = await (await client()).sessionHandle(sessionId).liveUrl({ interactive: true, timeout: 30 });
    output.result('Live view URL', { session_id: sessionId, live_url: liveUrl }, [liveUrl]);
    return 0;
  },
};

export const downloadsCommand: CliCommand = {
  name: 'downloads',
  summary: 'Print the URL of a zip of the files a finished task or closed session downloaded',
  usage: 'smooth downloads <task-or-session-id>',
  options: {},
  positionals: ['task-or-session-id'],
  async run({ positionals, output, client }) {
    const [taskId = ''] = positionals;
    const downloadsUrl = await (await client()).taskHandle(taskId).downloadsUrl({ timeout: 30 });
    output.result('Downloads URL', { session_id: taskId, downloads_url: downloadsUrl }, [downloadsUrl]);
    return 0;
  },
};

export const recordingUrlCommand: CliCommand = {
  name: 'recording-url',
  summary: 'Print the URL of the recording of a finished task or closed session',
  usage: 'smooth recording-url <task-or-session-id>',
  options: {},
  positionals: ['task-or-session-id'],
  async run({ positionals, output, client }) {
    const [taskId = ''] = positionals;
    const recordingUrl = await (await client()).taskHandle(taskId).recordingUrl({ timeout: 30 });
    output.result('Recording URL', { session_id: taskId, recording_url: recordingUrl }, [recordingUrl]);
    return 0;
  },
};
