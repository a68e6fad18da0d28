import { safeMatches } from './dom-tree.js';

/** One selector of every element that a `:hover` style rule of the document's stylesheets reveals content for. */
export function collectHoverTriggerSelector(): string {
  // Rules like `.menu:hover > ul { display: block }` reveal content on hover: their trigger
  // (`.menu`) is marked so the model knows to hover it.
  const triggers = new Set<string>();
  const visit = (rules: CSSRuleList): void => {
    for (const rule of Array.from(rules)) {
      if (rule instanceof CSSStyleRule) {
        const style = rule.style;
        if (!style.display && !style.visibility && !style.opacity && !style.maxHeight) continue;
        for (const part of rule.selectorText.split(',')) {
          const at = part.indexOf(':hover');
          if (at <= 0 || !/^\s*[\s>+~]\s*\S/.test(part.slice(at + 6))) continue;
          const trigger = part.slice(0, at).trim();
          try {
            document.querySelector(trigger);
            triggers.add(trigger);
          } catch {
            // not a selector on its own (e.g. ends in a combinator)
          }
        }
      } else if ('cssRules' in rule) {
        visit((rule as CSSGroupingRule).cssRules);
      }
    }
  };
  for (const sheet of Array.from(document.styleSheets)) {
    try {
      visit(sheet.cssRules);
    } catch {
      // cross-origin stylesheet: rules are not readable
    }
  }
  return [...triggers].join(',');
}

/** Whether `element` is a trigger of a hover rule (`selector` from collectHoverTriggerSelector). */
export function isHoverTrigger(element: Element, selector: string): boolean {
  return selector !== '' && safeMatches(element, selector);
}
