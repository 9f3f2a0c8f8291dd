import * as path from 'path';
import { pathToFileURL } from 'url';
import { renderRuleDoc } from '../rules/docs';
import type { CellLocator } from '../parsing/notebook/ipynbPositions';
import type { Finding, Rule, Severity } from '../rules/types';
import type { FileError, FileFindings } from './format';

/** SARIF levels: SARIF has no `info`/`hint`, both are `note`. */
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/**
 * An artifact URI relative to the run's working folder (forward slashes, percent-encoded), or
 * an absolute `file:` URI for a file outside it.
 */
export function artifactUri(file: string, cwd: string): { uri: string; uriBaseId?: string } {
  const absolute = path.resolve(cwd, file);
  const relative = path.relative(cwd, absolute);
  if (relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)) {
    return { uri: relative.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
  }
  return { uri: pathToFileURL(absolute).href };
}

function region(span: Finding['span'], cell?: number, locate?: CellLocator) {
  if (cell !== undefined && locate) {
    // A notebook: the position inside the cell's source string in the .ipynb JSON.
    const start = locate(cell, span.start.line, span.start.column);
    const end = locate(cell, span.end.line, span.end.column);
    if (start) {
      const sameLine = end && end.line === start.line && end.column >= start.column;
      return { startLine: start.line + 1, startColumn: start.column + 1, endLine: start.line + 1, endColumn: (sameLine ? end.column : start.column) + 1 };
    }
  }
  return { startLine: span.start.line + 1, startColumn: span.start.column + 1, endLine: span.end.line + 1, endColumn: span.end.column + 1 };
}

/**
 * Notebook findings say their cell in the text (SARIF has no notion of a cell) and in properties;
 * their regions point into the cell's source string in the .ipynb file.
 */
function cellNote(cell: number | undefined): string {
  return cell === undefined ? '' : `[cell ${cell + 1}] `;
}

/**
 * SARIF 2.1.0 for GitHub code scanning: every rule (id = code, name, descriptions, help from the
 * rule's documentation page, default level), results with their regions (1-based, UTF-16
 * columns) and related locations; unreadable files as tool execution notifications.
 */
export function formatSarif(results: readonly FileFindings[], errors: readonly FileError[], rules: readonly Rule[], options: { cwd: string; version: string }): string {
  const index = new Map(rules.map((r, i) => [r.meta.code, i]));
  const driverRules = rules.map(({ meta }) => {
    const doc = renderRuleDoc(meta);
    return {
      id: meta.code,
      name: meta.name,
      shortDescription: { text: meta.summary },
      fullDescription: { text: meta.docs.whatItDoes, markdown: meta.docs.whatItDoes },
      help: { text: doc, markdown: doc },
      defaultConfiguration: { level: LEVEL[meta.defaultSeverity] },
      properties: { tags: ['normalization', meta.fix === 'none' ? 'no-fix' : `fix-${meta.fix}`], precision: 'high' },
    };
  });
  const sarifResults = results.flatMap(({ file, findings, locate }) => {
    const artifact = artifactUri(file, options.cwd);
    return findings.map((f) => ({
      ruleId: f.code,
      ruleIndex: index.get(f.code) ?? -1,
      level: LEVEL[f.severity],
      message: { text: `${cellNote(f.cell)}${f.message}` },
      locations: [{ physicalLocation: { artifactLocation: artifact, region: region(f.span, f.cell, locate) } }],
      ...(f.related.length > 0
        ? {
            relatedLocations: f.related.map((r, i) => ({
              id: i + 1,
              message: { text: `${cellNote(r.cell)}${r.message}` },
              physicalLocation: { artifactLocation: artifact, region: region(r.span, r.cell, locate) },
            })),
          }
        : {}),
      ...(f.cell !== undefined ? { properties: { cell: f.cell + 1, cellLine: f.span.start.line + 1, cellColumn: f.span.start.column + 1 } } : {}),
    }));
  });
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'NormScope', version: options.version, semanticVersion: options.version, rules: driverRules } },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(path.resolve(options.cwd) + path.sep).href } },
        columnKind: 'utf16CodeUnits',
        results: sarifResults,
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: errors.map((e) => ({
              level: 'error',
              message: { text: e.message },
              locations: [{ physicalLocation: { artifactLocation: artifactUri(e.file, options.cwd) } }],
            })),
          },
        ],
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
