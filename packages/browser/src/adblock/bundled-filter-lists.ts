import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** A filter list in Adblock Plus / AdGuard syntax. */
export interface FilterList {
  /** Its "! Title:" line, named in every block it causes. */
  title: string;
  text: string;
}

/**
 * The lists adblock uses, by AdGuard filter id: 2 = AdGuard Base (EasyList + AdGuard English),
 * 3 = AdGuard Tracking Protection. @adguard/dnr-rulesets ships each list's original text inside
 * its MV3 rule set (the first rule's metadata), so nothing is downloaded at run time.
 */
const bundledListIds = [2, 3] as const;

/** Where @adguard/dnr-rulesets keeps its rule sets (its exports do not expose them). */
function ruleSetsDirectory(): URL {
  return new URL('../filters/declarative/', import.meta.resolve('@adguard/dnr-rulesets'));
}

interface RuleSetHead {
  metadata?: { rawFilterList?: unknown };
}

/** The version of the rule sets package, so a cache can tell when the lists changed. */
export async function bundledListsVersion(): Promise<string> {
  const manifest = new URL('../../package.json', import.meta.resolve('@adguard/dnr-rulesets'));
  const { version } = JSON.parse(await readFile(fileURLToPath(manifest), 'utf8')) as { version: string };
  return version;
}

export async function readBundledFilterLists(): Promise<FilterList[]> {
  const directory = ruleSetsDirectory();
  return Promise.all(
    bundledListIds.map(async (id) => {
      const path = fileURLToPath(new URL(`ruleset_${id}/ruleset_${id}.json`, directory));
      const ruleSet = JSON.parse(await readFile(path, 'utf8')) as RuleSetHead[];
      const text = ruleSet[0]?.metadata?.rawFilterList;
      if (typeof text !== 'string') throw new Error(`${path} carries no filter list text (has @adguard/dnr-rulesets changed its layout?)`);
      const title = /^! Title: (.+)$/m.exec(text)?.[1]?.trim() ?? `AdGuard filter ${id}`;
      return { title, text };
    }),
  );
}
