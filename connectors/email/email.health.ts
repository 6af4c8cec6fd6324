/**
 * Health of one e-mail connector across its folder workers, as `/ready` shows it. Authentication failures
 * are counted across the workers (every failed LOGIN is one the server counts against the account) and
 * reset by any successful login; at the limit the connector is disabled for good (until a restart with
 * fixed credentials) instead of hammering the server into locking the account.
 */
export class EmailHealth {
  private readonly problems = new Map<string, string>();
  private authFailures = 0;
  private disabled: string | undefined;

  constructor(
    private readonly authFailureLimit: number,
    private readonly onDisabled: (reason: string) => void,
  ) {}

  get disabledReason(): string | undefined {
    return this.disabled;
  }

  loggedIn(): void {
    this.authFailures = 0;
  }

  synced(folder: string): void {
    this.problems.delete(folder);
  }

  failed(folder: string, reason: string): void {
    this.problems.set(folder, reason);
  }

  /** Records one failed login; returns true when this one disabled the connector. */
  authFailed(folder: string, reason: string): boolean {
    if (this.disabled) return true;
    this.authFailures++;
    if (this.authFailures >= this.authFailureLimit) {
      this.disabled = `disabled after ${this.authFailures} authentication failures (check user and password or token): ${reason}`;
      this.onDisabled(this.disabled);
      return true;
    }
    this.problems.set(folder, `authentication failed (${this.authFailures}/${this.authFailureLimit}): ${reason}`);
    return false;
  }

  snapshot(): { healthy: boolean; reason?: string } {
    if (this.disabled) return { healthy: false, reason: this.disabled };
    if (this.problems.size === 0) return { healthy: true };
    return { healthy: false, reason: [...this.problems].map(([folder, reason]) => `${folder}: ${reason}`).join('; ') };
  }
}
