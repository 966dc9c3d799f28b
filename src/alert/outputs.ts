/**
 * Alert outputs for SIEMs and chat-ops: syslog (RFC 5424; UDP, TCP with octet-counting framing
 * per RFC 6587, or TLS), a signed webhook (HMAC-SHA256 over `timestamp.body`, as the response
 * webhook), and a JSONL file (fsynced). Each output runs independently: one that fails is
 * reported and retried on the next event, never blocks the pipeline or the other outputs.
 */
import { createSocket } from 'node:dgram';
import { appendFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { signWebhook } from '../respond/actuators/webhook.js';
import { DEFAULT_HTTP_POLICY, requestJson } from '../respond/http.js';
import { type AlertEvent, cefSeverity, toCef, toSyslog5424 } from './cef.js';

export interface AlertOutput {
  readonly name: string;
  send(e: AlertEvent): Promise<void>;
  close(): Promise<void>;
}

export class JsonlOutput implements AlertOutput {
  readonly name = 'jsonl';
  constructor(private readonly file: string) {}
  async send(e: AlertEvent): Promise<void> {
    appendFileSync(this.file, `${JSON.stringify(e)}\n`, { mode: 0o600 });
  }
  async close(): Promise<void> {}
}

export class WebhookOutput implements AlertOutput {
  readonly name = 'webhook';
  constructor(
    private readonly url: string,
    private readonly secret: string,
  ) {}
  async send(e: AlertEvent): Promise<void> {
    const body = JSON.stringify(e);
    const ts = String(Math.floor(Date.now() / 1000));
    await requestJson(
      {
        method: 'POST',
        url: this.url,
        headers: { 'x-vigil-timestamp': ts, 'x-vigil-signature': signWebhook(this.secret, ts, body) },
        body: e,
      },
      { ...DEFAULT_HTTP_POLICY, retries: 2 },
    );
  }
  async close(): Promise<void> {}
}

export interface SyslogOptions {
  readonly host: string;
  readonly port: number;
  readonly transport: 'udp' | 'tcp' | 'tls';
  /** TLS: CA bundle (PEM) to trust besides the system's; servername for SNI/verification. */
  readonly ca?: string;
  readonly servername?: string;
  readonly version: string;
}

export class SyslogOutput implements AlertOutput {
  readonly name: string;
  private socket: Socket | undefined;

  constructor(private readonly o: SyslogOptions) {
    this.name = `syslog-${o.transport}`;
  }

  private connect(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const s =
        this.o.transport === 'tls'
          ? tlsConnect(
              {
                host: this.o.host,
                port: this.o.port,
                ca: this.o.ca,
                servername: this.o.servername ?? this.o.host,
              },
              () => resolve(s),
            )
          : netConnect({ host: this.o.host, port: this.o.port }, () => resolve(s));
      s.once('error', (err) => {
        this.socket = undefined;
        reject(err);
      });
      s.setTimeout(10_000, () => s.destroy(new Error('syslog connection timed out')));
      this.socket = s;
    });
  }

  async send(e: AlertEvent): Promise<void> {
    const msg = toSyslog5424(toCef(e, this.o.version), cefSeverity(e.threat, e.certainty));
    if (this.o.transport === 'udp') {
      const sock = createSocket(this.o.host.includes(':') ? 'udp6' : 'udp4');
      await new Promise<void>((resolve, reject) =>
        sock.send(Buffer.from(msg), this.o.port, this.o.host, (err) => {
          sock.close();
          if (err) reject(err);
          else resolve();
        }),
      );
      return;
    }
    const s = await this.connect();
    const frame = Buffer.from(msg);
    await new Promise<void>((resolve, reject) =>
      s.write(`${frame.length} ${msg}`, (err) => (err ? reject(err) : resolve())),
    );
  }

  async close(): Promise<void> {
    this.socket?.end();
    this.socket = undefined;
  }
}

/** Fans events out to every output; failures are reported, counted and do not stop the others. */
export class AlertRouter {
  readonly failures = new Map<string, number>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly outputs: readonly AlertOutput[],
    private readonly onError: (output: string, err: Error) => void = () => {},
  ) {}

  publish(e: AlertEvent): void {
    this.chain = this.chain.then(async () => {
      await Promise.all(
        this.outputs.map(async (o) => {
          try {
            await o.send(e);
          } catch (err) {
            this.failures.set(o.name, (this.failures.get(o.name) ?? 0) + 1);
            this.onError(o.name, err as Error);
          }
        }),
      );
    });
  }

  flush(): Promise<void> {
    return this.chain;
  }

  async close(): Promise<void> {
    await this.flush();
    await Promise.all(this.outputs.map((o) => o.close()));
  }
}
