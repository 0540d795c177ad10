import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import AdmZip from 'adm-zip';
import { validateLocalization, validateManifest } from './manifest-validation';

/** Source directory of the Teams app package. */
export const APP_PACKAGE_DIR = join(__dirname, '..', 'appPackage');

/** Default output directory of `npm run package`. */
export const DEFAULT_OUT_DIR = join(__dirname, '..', 'build');

/** Files placed at the root of the zip. */
export const PACKAGE_FILES = ['manifest.json', 'color.png', 'outline.png', 'sv.json', 'en.json'] as const;

const LOCALIZATION_FILES = ['sv.json', 'en.json'];
const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
const PLACEHOLDER = /\$\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** An expected failure (configuration or validation) reported without a stack trace. */
export class PackageError extends Error {
  override name = 'PackageError';
}

export interface PackageIds {
  botId: string;
  teamsAppId: string;
}

export interface BuildAppPackageOptions {
  /** The bot's Microsoft App ID (GUID). */
  botId: string;
  /** The Teams app id (GUID); defaults to the bot id. */
  teamsAppId?: string;
  /** Directory for appPackage.zip; defaults to build/. */
  outDir?: string;
  /** Directory with manifest.json, icons and localization files; defaults to appPackage/. */
  sourceDir?: string;
}

export interface BuildAppPackageResult {
  zipPath: string;
  size: number;
  manifest: Record<string, unknown>;
}

/**
 * Reads the ids from the environment: the bot id from `MicrosoftAppId` (fallback `BOT_ID`), the Teams
 * app id from `TEAMS_APP_ID` (fallback: the bot id). Throws a {@link PackageError} when the bot id is missing.
 */
export function resolvePackageIds(env: NodeJS.ProcessEnv = process.env): PackageIds {
  const botId = env.MicrosoftAppId?.trim() || env.BOT_ID?.trim();
  if (!botId) {
    throw new PackageError(
      "Missing bot id: set the environment variable MicrosoftAppId (or BOT_ID) to the bot's Microsoft App ID (a GUID), e.g. MicrosoftAppId=<guid> npm run package",
    );
  }
  return { botId, teamsAppId: env.TEAMS_APP_ID?.trim() || botId };
}

/**
 * Replaces `${{NAME}}` placeholders in JSON text with JSON-escaped values.
 * Throws a {@link PackageError} naming any placeholder without a value.
 */
export function substitutePlaceholders(text: string, values: Readonly<Record<string, string>>): string {
  const missing = new Set<string>();
  const result = text.replace(PLACEHOLDER, (match, name: string) => {
    const value = values[name];
    if (value === undefined) {
      missing.add(name);
      return match;
    }
    return JSON.stringify(value).slice(1, -1);
  });
  if (missing.size > 0) throw new PackageError(`No value for placeholder(s): ${[...missing].join(', ')}`);
  return result;
}

function parseJson(name: string, text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new PackageError(`${name} is not valid JSON: ${(error as Error).message}`);
  }
}

function referencedFiles(manifest: Record<string, unknown>): string[] {
  const icons = (manifest.icons ?? {}) as Record<string, string | undefined>;
  const localization = (manifest.localizationInfo ?? {}) as {
    defaultLanguageFile?: string;
    additionalLanguages?: { file?: string }[];
  };
  return [
    icons.color,
    icons.outline,
    icons.color32x32,
    localization.defaultLanguageFile,
    ...(localization.additionalLanguages ?? []).map((language) => language.file),
  ].filter((file): file is string => typeof file === 'string');
}

/**
 * Builds `<outDir>/appPackage.zip` from appPackage/: substitutes the id placeholders, validates the manifest
 * and localization files against the official schemas and zips {@link PACKAGE_FILES} at the root.
 * Throws a {@link PackageError} on invalid ids or validation errors.
 */
export function buildAppPackage(options: BuildAppPackageOptions): BuildAppPackageResult {
  const { botId, teamsAppId = options.botId, outDir = DEFAULT_OUT_DIR, sourceDir = APP_PACKAGE_DIR } = options;
  for (const [label, value] of [
    ['Bot id (MicrosoftAppId)', botId],
    ['Teams app id (TEAMS_APP_ID)', teamsAppId],
  ] as const) {
    if (!GUID.test(value)) throw new PackageError(`${label} must be a GUID, got "${value}"`);
  }

  const values = { BOT_ID: botId, TEAMS_APP_ID: teamsAppId, MicrosoftAppId: botId };
  const zip = new AdmZip();
  const errors: string[] = [];
  let manifest: Record<string, unknown> = {};

  for (const file of PACKAGE_FILES) {
    const raw = readFileSync(join(sourceDir, file));
    if (!file.endsWith('.json')) {
      zip.addFile(file, raw);
      continue;
    }
    const text = substitutePlaceholders(raw.toString('utf8').replace(/^\uFEFF/, ''), values);
    const json = parseJson(file, text);
    if (file === 'manifest.json') {
      manifest = json;
      errors.push(...validateManifest(json).map((error) => `manifest.json ${error}`));
    } else if (LOCALIZATION_FILES.includes(file)) {
      errors.push(...validateLocalization(json).map((error) => `${file} ${error}`));
    }
    zip.addFile(file, Buffer.from(text, 'utf8'));
  }

  for (const file of referencedFiles(manifest)) {
    if (!(PACKAGE_FILES as readonly string[]).includes(file)) errors.push(`manifest.json references ${file}, which is not packaged`);
  }
  if (errors.length > 0) throw new PackageError(`App package is invalid:\n  ${errors.join('\n  ')}`);

  mkdirSync(outDir, { recursive: true });
  const zipPath = join(outDir, 'appPackage.zip');
  const buffer = zip.toBuffer();
  writeFileSync(zipPath, buffer);
  return { zipPath, size: buffer.length, manifest };
}

function main(): void {
  try {
    const result = buildAppPackage(resolvePackageIds());
    console.log(`Wrote ${relative(process.cwd(), result.zipPath) || result.zipPath} (${result.size} bytes)`);
  } catch (error) {
    if (!(error instanceof PackageError)) throw error;
    console.error(`package-app: ${error.message}`);
    process.exitCode = 1;
  }
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) main();
