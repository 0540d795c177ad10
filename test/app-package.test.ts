import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import AdmZip from 'adm-zip';
import { afterAll, describe, expect, it } from 'vitest';
import {
  LOCALIZATION_SCHEMA_URL,
  MANIFEST_SCHEMA_URL,
  MANIFEST_SCHEMA_VERSION,
  validateLocalization,
  validateManifest,
} from '../scripts/manifest-validation';
import {
  APP_PACKAGE_DIR,
  PACKAGE_FILES,
  PackageError,
  buildAppPackage,
  resolvePackageIds,
  substitutePlaceholders,
} from '../scripts/package-app';
import { COMMAND_DEFINITIONS } from '../src/domain/commands';

const ROOT = join(__dirname, '..');
const BOT_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const TEAMS_APP_ID = '9b1d6c2e-7a41-4c55-8e0f-2d3b4a5c6e7f';

/**
 * The manifest lists the commands of the command menu, in the domain's order (English title, Swedish
 * localization): every command but those marked `menu: false`. Schema 1.24 takes at most 12 per scope
 * and all 12 places are taken; `mina grupper` is typed (and listed by the help card) instead.
 */
const MANIFEST_COMMAND_LIMIT = 12;
const MENU_COMMANDS = COMMAND_DEFINITIONS.filter((command) => command.menu !== false);
const EXPECTED_COMMANDS: ReadonlyArray<readonly [en: string, sv: string]> = MENU_COMMANDS.map((command) => [command.en, command.sv] as const);

type Json = Record<string, unknown>;
interface Command {
  title: string;
  description: string;
}
interface Bot {
  botId: string;
  scopes: string[];
  supportsFiles?: boolean;
  isNotificationOnly?: boolean;
  commandLists: { scopes: string[]; commands: Command[] }[];
}

const readText = (file: string): string => readFileSync(join(APP_PACKAGE_DIR, file), 'utf8');
const readJson = (file: string): Json => JSON.parse(readText(file)) as Json;

/** manifest.json with the sample ids substituted. */
function sampleManifest(): Json {
  return JSON.parse(substitutePlaceholders(readText('manifest.json'), { BOT_ID, TEAMS_APP_ID })) as Json;
}
const botOf = (manifest: Json): Bot => (manifest.bots as Bot[])[0]!;

// ---- Minimal PNG decoder (8-bit RGBA / RGB, non-interlaced) with all five filter types ----

interface Png {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  pixels: Buffer;
  channels: number;
  filterTypes: Set<number>;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

function decodePng(buffer: Buffer): Png {
  expect(buffer.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let ihdr: Buffer | undefined;
  const idat: Buffer[] = [];
  for (;;) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('ascii', offset + 4, offset + 8);
    const data = buffer.subarray(offset + 8, offset + 8 + length);
    expect(buffer.readUInt32BE(offset + 8 + length), `CRC of ${type}`).toBe(
      crc32(buffer.subarray(offset + 4, offset + 8 + length)) >>> 0,
    );
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
    if (type === 'IEND') break;
  }
  if (!ihdr) throw new Error('PNG without IHDR');
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const [bitDepth, colorType, , , interlace] = ihdr.subarray(8, 13);
  expect(bitDepth).toBe(8);
  expect(interlace).toBe(0);
  const channels = colorType === 6 ? 4 : colorType === 2 ? 3 : 0;
  if (channels === 0) throw new Error(`unsupported colour type ${colorType}`);

  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  expect(raw.length).toBe(height * (stride + 1));
  const pixels = Buffer.alloc(height * stride);
  const filterTypes = new Set<number>();
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    filterTypes.add(filter);
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= channels ? pixels[y * stride + i - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= channels ? pixels[(y - 1) * stride + i - channels]! : 0;
      let predictor: number;
      switch (filter) {
        case 0:
          predictor = 0;
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) >> 1;
          break;
        case 4:
          predictor = paeth(a, b, c);
          break;
        default:
          throw new Error(`invalid filter type ${filter} in row ${y}`);
      }
      pixels[y * stride + i] = (x + predictor) & 0xff;
    }
  }
  return { width, height, bitDepth: bitDepth!, colorType: colorType!, pixels, channels, filterTypes };
}

const pixelAt = (png: Png, x: number, y: number): number[] => [
  ...png.pixels.subarray((y * png.width + x) * png.channels, (y * png.width + x + 1) * png.channels),
];

/** Encodes RGBA with one fixed filter type for every row (reference encoder for the decoder test). */
function encodeWithFilter(width: number, height: number, rgba: Buffer, filter: number): Buffer {
  const stride = width * 4;
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(stride + 1);
    row[0] = filter;
    for (let i = 0; i < stride; i++) {
      const a = i >= 4 ? rgba[y * stride + i - 4]! : 0;
      const b = y > 0 ? rgba[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= 4 ? rgba[(y - 1) * stride + i - 4]! : 0;
      const predictor = [0, a, b, Math.floor((a + b) / 2), paeth(a, b, c)][filter]!;
      row[i + 1] = (rgba[y * stride + i]! - predictor + 256) % 256;
    }
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([head, body, tail]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- Tests ----

describe('manifest.json', () => {
  it(`validates against the official v${MANIFEST_SCHEMA_VERSION} schema once the ids are substituted`, () => {
    const manifest = sampleManifest();
    expect(validateManifest(manifest)).toEqual([]);
    expect(manifest.$schema).toBe(MANIFEST_SCHEMA_URL);
    expect(manifest.manifestVersion).toBe(MANIFEST_SCHEMA_VERSION);
    expect(manifest.id).toBe(TEAMS_APP_ID);
    expect(botOf(manifest).botId).toBe(BOT_ID);
  });

  it('uses exactly the TEAMS_APP_ID and BOT_ID placeholders', () => {
    const names = [...readText('manifest.json').matchAll(/\$\{\{([A-Za-z0-9_]+)\}\}/g)].map((match) => match[1]);
    expect(new Set(names)).toEqual(new Set(['TEAMS_APP_ID', 'BOT_ID']));
  });

  it('is rejected by the validator when invalid', () => {
    const withoutScopes = sampleManifest();
    delete (botOf(withoutScopes) as Partial<Bot>).scopes;
    expect(validateManifest(withoutScopes).join('\n')).toMatch(/\/bots\/0 .*scopes/);

    const wrongVersion = { ...sampleManifest(), manifestVersion: '1.2' };
    expect(validateManifest(wrongVersion).join('\n')).toMatch(/\/manifestVersion/);

    const unsubstituted = readJson('manifest.json');
    expect(validateManifest(unsubstituted).join('\n')).toMatch(/\/id .*pattern/);

    const tooManyCommands = sampleManifest();
    const list = botOf(tooManyCommands).commandLists[0]!;
    list.commands = [...list.commands, ...list.commands];
    expect(validateManifest(tooManyCommands).join('\n')).toMatch(/\/bots\/0\/commandLists\/0\/commands .*12/);

    const badScope = sampleManifest();
    botOf(badScope).scopes = ['team', 'groupchat'];
    expect(validateManifest(badScope)).not.toEqual([]);
  });

  it('declares a conversational bot in team, group chat and personal scope', () => {
    const bot = botOf(sampleManifest());
    expect(bot.scopes).toEqual(['team', 'groupChat', 'personal']);
    // Files: the log extract reaches the case manager through Teams' file consent card in personal chat.
    expect(bot.supportsFiles).toBe(true);
    expect(bot.isNotificationOnly).toBe(false);
  });

  it('keeps out of the menu only the commands marked so, and the menu within the schema\'s limit', () => {
    expect(COMMAND_DEFINITIONS.filter((command) => command.menu === false).map((command) => command.id)).toEqual(['myGroups']);
    expect(EXPECTED_COMMANDS.length).toBeLessThanOrEqual(MANIFEST_COMMAND_LIMIT);
    const oneTooMany = sampleManifest();
    const list = botOf(oneTooMany).commandLists[0]!;
    list.commands = [...list.commands, ...Array.from({ length: MANIFEST_COMMAND_LIMIT + 1 - list.commands.length }, () => ({ title: 'my groups', description: 'x' }))];
    expect(validateManifest(oneTooMany).join('\n')).toMatch(/\/bots\/0\/commandLists\/0\/commands .*12/);
  });

  it('lists all menu commands, in English, for each of the three scopes', () => {
    const lists = botOf(sampleManifest()).commandLists;
    expect(lists.flatMap((list) => list.scopes).sort()).toEqual(['groupChat', 'personal', 'team']);
    for (const list of lists) {
      expect(list.commands.map((command) => command.title)).toEqual(EXPECTED_COMMANDS.map(([en]) => en));
      for (const command of list.commands) expect(command.description.trim()).not.toBe('');
    }
  });

  it('declares the crisis-plan search message extension, one query command with one parameter, for the bot', () => {
    const manifest = sampleManifest();
    const extensions = manifest.composeExtensions as Array<{ botId: string; commands: Array<Record<string, unknown>> }>;
    expect(extensions).toHaveLength(1);
    expect(extensions[0]!.botId).toBe(BOT_ID);
    expect(extensions[0]!.commands).toEqual([
      expect.objectContaining({ id: 'crisisPlanSearch', type: 'query', initialRun: true, parameters: [expect.objectContaining({ name: 'alias' })] }),
    ]);
    const tooManyParameters = sampleManifest();
    const command = (tooManyParameters.composeExtensions as Array<{ commands: Array<{ parameters: unknown[] }> }>)[0]!.commands[0]!;
    command.parameters = Array.from({ length: 6 }, (_, i) => ({ name: `p${i}`, title: `P${i}` }));
    expect(validateManifest(tooManyParameters).join('\n')).toMatch(/parameters/);
  });

  it('points localizationInfo at en.json (default) and sv.json (sv-se)', () => {
    expect(sampleManifest().localizationInfo).toEqual({
      defaultLanguageTag: 'en-us',
      defaultLanguageFile: 'en.json',
      additionalLanguages: [{ languageTag: 'sv-se', file: 'sv.json' }],
    });
  });
});

describe('localization files', () => {
  it.each(['sv.json', 'en.json'])('%s validates against the official localization schema', (file) => {
    const localization = readJson(file);
    expect(validateLocalization(localization)).toEqual([]);
    expect(localization.$schema).toBe(LOCALIZATION_SCHEMA_URL);
  });

  it('rejects invalid localization files', () => {
    const { ['description.short']: _omitted, ...withoutShort } = readJson('sv.json');
    expect(validateLocalization(withoutShort).join('\n')).toMatch(/description\.short/);
    expect(validateLocalization({ ...readJson('sv.json'), 'bots[0].commandLists[0].commands[12].title': 'x' })).not.toEqual([]);
    expect(validateLocalization({ ...readJson('sv.json'), 'name.short': 'x'.repeat(31) })).not.toEqual([]);
  });

  it('sv.json localizes every command in the manifest to Swedish', () => {
    const sv = readJson('sv.json');
    botOf(sampleManifest()).commandLists.forEach((list, l) => {
      list.commands.forEach((command, c) => {
        const key = `bots[0].commandLists[${l}].commands[${c}]`;
        const expectedSv = EXPECTED_COMMANDS.find(([en]) => en === command.title)?.[1];
        expect(sv[`${key}.title`], `${key}.title`).toBe(expectedSv);
        const description = sv[`${key}.description`];
        expect(typeof description === 'string' && description.trim() !== '', `${key}.description`).toBe(true);
        expect(description).not.toBe(command.description);
      });
    });
    expect(sv['name.full']).toBe('Resursgrupp – samordning kring individen');
  });

  it('en.json mirrors the English strings of the manifest and localizes nothing else', () => {
    const manifest = sampleManifest();
    const expected: Record<string, string> = {
      'name.short': (manifest.name as Json).short as string,
      'name.full': (manifest.name as Json).full as string,
      'description.short': (manifest.description as Json).short as string,
      'description.full': (manifest.description as Json).full as string,
    };
    botOf(manifest).commandLists.forEach((list, l) =>
      list.commands.forEach((command, c) => {
        expected[`bots[0].commandLists[${l}].commands[${c}].title`] = command.title;
        expected[`bots[0].commandLists[${l}].commands[${c}].description`] = command.description;
      }),
    );
    (manifest.composeExtensions as Array<{ commands: Array<{ title: string; description: string; parameters: Array<{ title: string; description: string }> }> }>)[0]!.commands.forEach((command, c) => {
      expected[`composeExtensions[0].commands[${c}].title`] = command.title;
      expected[`composeExtensions[0].commands[${c}].description`] = command.description;
      command.parameters.forEach((parameter, p) => {
        expected[`composeExtensions[0].commands[${c}].parameters[${p}].title`] = parameter.title;
        expected[`composeExtensions[0].commands[${c}].parameters[${p}].description`] = parameter.description;
      });
    });
    const { $schema: _schema, ...en } = readJson('en.json');
    expect(en).toEqual(expected);
    const { $schema: _svSchema, ...sv } = readJson('sv.json');
    expect(Object.keys(sv).sort()).toEqual(Object.keys(expected).sort());
  });
});

describe('icons', () => {
  it('the PNG decoder handles all five filter types', () => {
    const width = 7;
    const height = 5;
    const rgba = Buffer.alloc(width * height * 4);
    for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 37 + ((i * i) % 11) * 19) & 0xff;
    for (let filter = 0; filter <= 4; filter++) {
      const png = decodePng(encodeWithFilter(width, height, rgba, filter));
      expect(png.filterTypes).toEqual(new Set([filter]));
      expect(png.pixels.equals(rgba), `filter ${filter}`).toBe(true);
    }
  });

  it('color.png is 192×192 RGBA on the accent colour with a white symbol', () => {
    const png = decodePng(readFileSync(join(APP_PACKAGE_DIR, 'color.png')));
    expect([png.width, png.height, png.colorType]).toEqual([192, 192, 6]);
    const accent = (sampleManifest().accentColor as string).match(/[0-9a-f]{2}/gi)!.map((hex) => parseInt(hex, 16));
    expect(pixelAt(png, 12, 96)).toEqual([...accent, 255]);
    expect(pixelAt(png, 180, 96)).toEqual([...accent, 255]);
    expect(pixelAt(png, 96, 103)).toEqual([255, 255, 255, 255]);
    expect(pixelAt(png, 0, 0)[3]).toBe(0);
  });

  it('outline.png is 32×32 and only white or fully transparent', () => {
    const png = decodePng(readFileSync(join(APP_PACKAGE_DIR, 'outline.png')));
    expect([png.width, png.height, png.colorType]).toEqual([32, 32, 6]);
    let drawn = 0;
    const offenders: string[] = [];
    for (let y = 0; y < png.height; y++) {
      for (let x = 0; x < png.width; x++) {
        const [r, g, b, a] = pixelAt(png, x, y);
        if (a === 0) continue;
        drawn++;
        if (r !== 255 || g !== 255 || b !== 255) offenders.push(`(${x},${y})=${[r, g, b, a].join(',')}`);
      }
    }
    expect(offenders).toEqual([]);
    expect(drawn).toBeGreaterThan(100);
    expect(pixelAt(png, 0, 0)[3]).toBe(0);
  });
});

describe('package-app', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'resursgrupp-apppkg-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('builds build/appPackage.zip with the files at the root and the ids filled in', () => {
    const result = buildAppPackage({ botId: BOT_ID, teamsAppId: TEAMS_APP_ID, outDir });
    expect(result.zipPath).toBe(join(outDir, 'appPackage.zip'));
    const zip = new AdmZip(result.zipPath);
    expect(zip.getEntries().map((entry) => entry.entryName).sort()).toEqual([...PACKAGE_FILES].sort());
    for (const file of PACKAGE_FILES.filter((name) => name.endsWith('.json'))) {
      expect(zip.readAsText(file), file).not.toContain('${{');
    }
    const manifest = JSON.parse(zip.readAsText('manifest.json')) as Json;
    expect(manifest.id).toBe(TEAMS_APP_ID);
    expect(botOf(manifest).botId).toBe(BOT_ID);
    expect(validateManifest(manifest)).toEqual([]);
    expect(zip.readFile('color.png')!.equals(readFileSync(join(APP_PACKAGE_DIR, 'color.png')))).toBe(true);
  });

  it('defaults the Teams app id to the bot id', () => {
    const { manifest } = buildAppPackage({ botId: BOT_ID, outDir });
    expect(manifest.id).toBe(BOT_ID);
  });

  it('reads the ids from MicrosoftAppId / BOT_ID / TEAMS_APP_ID', () => {
    expect(resolvePackageIds({ MicrosoftAppId: BOT_ID })).toEqual({ botId: BOT_ID, teamsAppId: BOT_ID });
    expect(resolvePackageIds({ BOT_ID, TEAMS_APP_ID })).toEqual({ botId: BOT_ID, teamsAppId: TEAMS_APP_ID });
    expect(resolvePackageIds({ MicrosoftAppId: BOT_ID, BOT_ID: TEAMS_APP_ID }).botId).toBe(BOT_ID);
    expect(() => resolvePackageIds({})).toThrow(/MicrosoftAppId/);
    expect(() => resolvePackageIds({ MicrosoftAppId: '  ' })).toThrow(PackageError);
  });

  it('rejects ids that are not GUIDs', () => {
    expect(() => buildAppPackage({ botId: 'not-a-guid', outDir })).toThrow(/MicrosoftAppId.*GUID/);
    expect(() => buildAppPackage({ botId: BOT_ID, teamsAppId: '${{TEAMS_APP_ID}}', outDir })).toThrow(/TEAMS_APP_ID.*GUID/);
  });

  it('fails on unknown placeholders', () => {
    expect(() => substitutePlaceholders('{"a":"${{NOPE}}"}', { BOT_ID })).toThrow(/NOPE/);
  });

  it('exits 1 naming MicrosoftAppId when no bot id is set, without a stack trace', () => {
    const env = { ...process.env };
    delete env.MicrosoftAppId;
    delete env.BOT_ID;
    delete env.TEAMS_APP_ID;
    const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), join(ROOT, 'scripts', 'package-app.ts')], {
      cwd: outDir,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toContain('MicrosoftAppId');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});
