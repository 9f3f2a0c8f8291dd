// Writes docs/rules/<name>.md for every rule and the rule tables in README.md and
// docs/rules/README.md from the rules' own metadata. `npm run docs`; a unit test fails when
// the committed files differ from what this would write.
import * as fs from 'fs';
import * as path from 'path';
import { RULES } from '../src/rules/catalogue';
import { renderCatalogue, renderRuleDoc, rulesSettingsSchema, withCatalogue } from '../src/rules/docs';

export interface DocFile {
  readonly file: string;
  readonly content: string;
}

export function expectedDocs(root: string): DocFile[] {
  const files: DocFile[] = RULES.map((r) => ({ file: path.join(root, 'docs', 'rules', `${r.meta.name}.md`), content: renderRuleDoc(r.meta) }));
  const index = ['# NormScope rules', '', 'Each rule has a stable code and name; either works in settings, `--select`/`--ignore` and suppression comments.', '', renderCatalogue(RULES, ''), ''].join('\n');
  files.push({ file: path.join(root, 'docs', 'rules', 'README.md'), content: index });
  const readme = path.join(root, 'README.md');
  files.push({ file: readme, content: withCatalogue(fs.readFileSync(readme, 'utf8'), renderCatalogue(RULES, 'docs/rules/')) });
  // The `normscope.rules` / `select` / `ignore` settings' JSON schema follows the rules' metadata.
  const pkgFile = path.join(root, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { contributes: { configuration: { properties: Record<string, unknown> } } };
  Object.assign(pkg.contributes.configuration.properties, rulesSettingsSchema(RULES));
  files.push({ file: pkgFile, content: JSON.stringify(pkg, null, 2) + '\n' });
  return files;
}

if (require.main === module) {
  const root = path.join(__dirname, '..', '..');
  const rulesDir = path.join(root, 'docs', 'rules');
  fs.mkdirSync(rulesDir, { recursive: true });
  const expected = expectedDocs(root);
  const keep = new Set(expected.map((d) => d.file));
  for (const stale of fs.readdirSync(rulesDir).map((f) => path.join(rulesDir, f))) if (!keep.has(stale)) fs.rmSync(stale);
  for (const doc of expected) fs.writeFileSync(doc.file, doc.content);
  console.log(`wrote ${expected.length} files`);
}
