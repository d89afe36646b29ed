// Reads a fleet file; mistakes come back as file:line:column with the fix.
import { readFile } from 'node:fs/promises';
import { UserError, errnoCode } from '../lib/errors.ts';
import { loadYaml } from '../lib/yaml-source.ts';
import { FleetSchema } from './fleet-schema.ts';
import type { Fleet } from './fleet-schema.ts';

export async function loadFleetFile(path: string): Promise<Fleet> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e: unknown) {
    const code = errnoCode(e);
    if (code === 'ENOENT') throw new UserError(`${path}: no such fleet file; pass a path such as examples/fleets/demo.yaml`);
    throw new UserError(`${path}: cannot read the fleet file (${code ?? 'unknown error'})`, { cause: e });
  }
  return parseFleet(path, text);
}

export function parseFleet(path: string, text: string): Fleet {
  return loadYaml(path, text, FleetSchema);
}
