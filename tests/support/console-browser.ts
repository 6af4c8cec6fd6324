import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const chromiumPath = process.env.LEADGATE_CHROMIUM ?? '/usr/bin/chromium';
export const artifactsDir = join(process.cwd(), 'tests', 'artifacts', 'console');

/** Debian's chromium, installed through apt when the machine lacks it (CI images, fresh boxes). */
export function ensureChromium(): string {
  if (existsSync(chromiumPath)) return chromiumPath;
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const run = (args: string[]): void => {
    const [cmd, ...rest] = [...asRoot, ...args];
    execFileSync(cmd as string, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  run(['apt-get', 'update']);
  run(['apt-get', 'install', '-y', '--no-install-recommends', 'chromium']);
  if (!existsSync(chromiumPath)) throw new Error(`chromium is still missing at ${chromiumPath}`);
  return chromiumPath;
}

/** Builds the console's static files the way `npm run build` does (only that part: it takes seconds). */
export function buildConsole(): void {
  execFileSync(process.execPath, [join(process.cwd(), 'console', 'build.mjs')], { stdio: 'pipe' });
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: ensureChromium(),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/** Saves a full-page screenshot as a test artifact and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Collects what the page reports as broken: console errors (a CSP violation is one) and uncaught exceptions. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}
