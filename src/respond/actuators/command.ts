/**
 * Command actuator: runs a program with an argv array — never a shell string — for firewalls
 * and in-house scripts. Placeholders `{action}`, `{host}`, `{ip}`, `{account}`, `{reason}` are
 * replaced inside single argv elements only, so no value can become a new argument or shell
 * syntax. Actions: isolate, release, block-account, unblock-account, block-ip, unblock-ip.
 */
import { execFile } from 'node:child_process';
import type { ActionResult, ActionTarget, Actuator } from './types.js';

export interface CommandOptions {
  /** argv[0] is the program (absolute path recommended), the rest its arguments. */
  readonly argv: readonly string[];
  readonly timeoutMs?: number;
}

export class CommandActuator implements Actuator {
  readonly kind = 'command';

  constructor(private readonly o: CommandOptions) {
    if (o.argv.length === 0 || !o.argv[0])
      throw new Error('command.argv: give the program and its arguments as a list');
  }

  isolate(target: ActionTarget, reason: string): Promise<ActionResult> {
    return this.run('isolate', target, reason);
  }

  release(target: ActionTarget, reason: string): Promise<ActionResult> {
    return this.run('release', target, reason);
  }

  blockAccount(account: string, reason: string): Promise<ActionResult> {
    return this.run('block-account', { host: account, ip: '', names: [] }, reason, account);
  }

  unblockAccount(account: string, reason: string): Promise<ActionResult> {
    return this.run('unblock-account', { host: account, ip: '', names: [] }, reason, account);
  }

  blockIp(ip: string, reason: string): Promise<ActionResult> {
    return this.run('block-ip', { host: ip, ip, names: [] }, reason);
  }

  unblockIp(ip: string, reason: string): Promise<ActionResult> {
    return this.run('unblock-ip', { host: ip, ip, names: [] }, reason);
  }

  private run(action: string, t: ActionTarget, reason: string, account = ''): Promise<ActionResult> {
    const vars: Record<string, string> = { action, host: t.host, ip: t.ip, account, reason };
    const args = this.o.argv
      .slice(1)
      .map((a) => a.replace(/\{(action|host|ip|account|reason)\}/g, (_, k: string) => vars[k]!));
    return new Promise((resolve, reject) => {
      execFile(
        this.o.argv[0]!,
        args,
        { timeout: this.o.timeoutMs ?? 30_000, shell: false },
        (err, stdout, stderr) => {
          if (err)
            reject(
              new Error(
                `command ${this.o.argv[0]} ${action}: ${err.message}${stderr ? ` — ${stderr.slice(0, 300)}` : ''}`,
              ),
            );
          else resolve({ deviceId: t.host, detail: stdout.trim().slice(0, 300) || 'exit 0' });
        },
      );
    });
  }
}
