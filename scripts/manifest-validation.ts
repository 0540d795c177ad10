import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv04 from 'ajv-draft-04';
import type { ErrorObject, Options, ValidateFunction } from 'ajv-draft-04';
import addFormats from 'ajv-formats';

/** Teams app manifest schema version used by appPackage/manifest.json. */
export const MANIFEST_SCHEMA_VERSION = '1.24';

/** Official schema URLs for {@link MANIFEST_SCHEMA_VERSION}. */
export const MANIFEST_SCHEMA_URL = `https://developer.microsoft.com/json-schemas/teams/v${MANIFEST_SCHEMA_VERSION}/MicrosoftTeams.schema.json`;
export const LOCALIZATION_SCHEMA_URL = `https://developer.microsoft.com/json-schemas/teams/v${MANIFEST_SCHEMA_VERSION}/MicrosoftTeams.Localization.schema.json`;

/** Directory holding the JSON schemas that @microsoft/app-manifest ships for the pinned version. */
export function schemaDirectory(): string {
  const packageJson = require.resolve('@microsoft/app-manifest/package.json');
  return join(dirname(packageJson), 'build', 'json-schemas', 'teams', `v${MANIFEST_SCHEMA_VERSION}`);
}

function loadSchema(fileName: string): Record<string, unknown> {
  // Some published Teams schemas contain "\a"/"\v" regex escapes that are invalid in JSON; same fix as @microsoft/app-manifest.
  const text = readFileSync(join(schemaDirectory(), fileName), 'utf8')
    .replace(/\\a/g, '\\u0007')
    .replace(/\\v/g, '\\u000b');
  return JSON.parse(text) as Record<string, unknown>;
}

function compile(fileName: string, options: Options): ValidateFunction {
  const ajv = new Ajv04({ allErrors: true, strictTypes: false, ...options });
  addFormats(ajv, ['uri', 'email', 'regex']);
  return ajv.compile(loadSchema(fileName));
}

let manifestValidator: ValidateFunction | undefined;
let localizationValidator: ValidateFunction | undefined;

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map(
    (error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'} (${JSON.stringify(error.params)})`,
  );
}

/**
 * Validates a Teams app manifest (placeholders already substituted) against the official
 * v{@link MANIFEST_SCHEMA_VERSION} JSON schema, offline. Returns one string per error; empty when valid.
 */
export function validateManifest(manifest: unknown): string[] {
  manifestValidator ??= compile('MicrosoftTeams.schema.json', {});
  // Round-trip so that only JSON-representable content is validated, as Teams would see it.
  const data: unknown = JSON.parse(JSON.stringify(manifest ?? null));
  return manifestValidator(data) ? [] : formatErrors(manifestValidator.errors);
}

/**
 * Validates a Teams localization file (e.g. appPackage/sv.json) against the official
 * v{@link MANIFEST_SCHEMA_VERSION} localization schema, offline. Returns one string per error; empty when valid.
 */
export function validateLocalization(localization: unknown): string[] {
  // The localization schema contains patterns such as `\b]` that are only valid without the `u` flag.
  localizationValidator ??= compile('MicrosoftTeams.Localization.schema.json', { unicodeRegExp: false });
  const data: unknown = JSON.parse(JSON.stringify(localization ?? null));
  return localizationValidator(data) ? [] : formatErrors(localizationValidator.errors);
}
