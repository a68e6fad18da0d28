/** What the fixture sites received server-side; tests assert on these to prove an action really happened. */
export interface FixtureRecords {
  formSubmissions: Array<Record<string, string>>;
  logins: Array<{ username: string; password: string; ok: boolean; sessionToken?: string }>;
  /** Each view of the signed-in account page, with the session cookie it came with. */
  accountViews: Array<{ username: string; sessionToken: string }>;
  uploads: Array<{ fieldName: string; fileName: string; bytes: Buffer }>;
  clicks: Array<{ target: string }>;
  boardMoves: Array<{ card: string; from: string; to: string }>;
  /** What the widget pages (terminal, date form, slider…) reported as their outcome. */
  widgetResults: Array<{ widget: string; result: string }>;
  /** Requests that arrived under a host name other than 127.0.0.1 (e.g. localhost). */
  otherHostHits: Array<{ host: string; path: string }>;
  /** Every request, in arrival order, so a test can check either host name. */
  requests: Array<{ host: string; method: string; path: string }>;
}

export function createFixtureRecords(): FixtureRecords {
  return { formSubmissions: [], logins: [], accountViews: [], uploads: [], clicks: [], boardMoves: [], widgetResults: [], otherHostHits: [], requests: [] };
}
