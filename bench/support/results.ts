import fs from 'node:fs';

/**
 * Puts a run's text at the end of a `## …` section of bench/RESULTS.md (after the runs already there), creating the
 * section with its intro when it is missing.
 */
export function appendToSection(results: string, heading: string, intro: string, text: string): void {
  let current = fs.readFileSync(results, 'utf8');
  if (!current.includes(heading)) current = `${current.trimEnd()}\n\n${heading}\n\n${intro}\n`;
  const at = current.indexOf(heading) + heading.length;
  const next = current.indexOf('\n## ', at);
  const insertAt = next === -1 ? current.length : next;
  current = `${current.slice(0, insertAt).trimEnd()}\n\n${text}${next === -1 ? '' : '\n'}${current.slice(insertAt)}`;
  fs.writeFileSync(results, current.endsWith('\n') ? current : `${current}\n`);
}
