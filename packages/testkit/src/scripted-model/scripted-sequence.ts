import type { ScriptedModelRequest, ScriptedPolicy, ScriptedReply } from './scripted-model-types.js';

/** Answers the n-th call with the n-th reply and every later call with the last one. */
export function scriptedSequence(...replies: Array<ScriptedReply | ((request: ScriptedModelRequest) => ScriptedReply)>): ScriptedPolicy {
  if (replies.length === 0) throw new Error('scriptedSequence needs at least one reply');
  let calls = 0;
  return (request) => {
    const reply = replies[Math.min(calls, replies.length - 1)];
    calls += 1;
    if (reply === undefined) throw new Error('scriptedSequence ran out of replies');
    return typeof reply === 'function' ? reply(request) : reply;
  };
}
