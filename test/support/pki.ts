// A throwaway PKI made with the machine's OpenSSL: a CA, an e-seal certificate (ECDSA P-256 or RSA) in a PKCS#12
// file, and a real RFC 3161 time-stamp authority — `openssl ts -reply` behind a local HTTP server — so the signing
// tests exercise the same bytes a production TSA returns, not a mock.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPki {
  dir: string;
  caPem: string;
  /** The e-seal certificate and key as PKCS#12 (password `p12Password`). */
  p12Path: string;
  p12Password: string;
  sealPem: string;
  tsaPem: string;
  /** PEM files of the e-seal key (for PKCS#11 import). */
  sealKey: string;
  /** With `crlUrl`: the CA's CRL (DER) that the certificates' CRL distribution point names. */
  crlPath?: string;
  cleanup(): void;
}

/** Extension sections for certificates that name a CRL distribution point, and the CA database `openssl ca` needs. */
const CRL_CONFIG = (dir: string, url: string) => `
[ seal_crl_ext ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
crlDistributionPoints = URI:${url}
[ tsa_crl_ext ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
crlDistributionPoints = URI:${url}
[ ca ]
default_ca = test_ca
[ test_ca ]
database = ${dir}/index.txt
crlnumber = ${dir}/crlnumber
certificate = ${dir}/ca.pem
private_key = ${dir}/ca.key
default_md = sha256
default_crl_days = 30
`;

const CONFIG = (dir: string) => `
[ req ]
distinguished_name = dn
[ dn ]
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ seal_ext ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
[ tsa_ext ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = ${dir}/tsaserial
signer_cert = ${dir}/tsa.pem
signer_key = ${dir}/tsa.key
certs = ${dir}/ca.pem
signer_digest = sha256
default_policy = 1.2.392.200091.100.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`;

/**
 * @param options.crlUrl when given, the e-seal and TSA certificates name it as their CRL distribution point and the
 *   CA issues an (empty) CRL at `crlPath`, for a `startCrlServer` to serve
 */
export function makePki(options: { keyType?: 'ec' | 'rsa'; crlUrl?: string } = {}): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-pki-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  fs.writeFileSync(
    path.join(dir, 'openssl.cnf'),
    CONFIG(dir) + (options.crlUrl ? CRL_CONFIG(dir, options.crlUrl) : ''),
  );
  fs.writeFileSync(path.join(dir, 'tsaserial'), '01\n');
  const ecKey = (name: string) => ssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
  ecKey('ca');
  ssl(
    'req',
    '-config',
    'openssl.cnf',
    '-new',
    '-x509',
    '-key',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '3650',
    '-subj',
    '/C=JP/O=Test Trust/CN=Test e-Seal CA',
    '-extensions',
    'ca_ext',
  );
  if (options.keyType === 'rsa')
    ssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'seal.key');
  else ecKey('seal');
  ecKey('tsa');
  const issue = (name: string, subject: string) => {
    ssl(
      'req',
      '-config',
      'openssl.cnf',
      '-new',
      '-utf8',
      '-key',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      subject,
    );
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '365',
      '-extfile',
      'openssl.cnf',
      '-extensions',
      options.crlUrl ? `${name}_crl_ext` : `${name}_ext`,
    );
  };
  issue('seal', '/C=JP/O=テスト保証株式会社/CN=テスト保証株式会社 eシール');
  issue('tsa', '/C=JP/O=Test Trust/CN=Test TSA');
  const p12Password = 'p12-secret';
  ssl(
    'pkcs12',
    '-export',
    '-inkey',
    'seal.key',
    '-in',
    'seal.pem',
    '-certfile',
    'ca.pem',
    '-out',
    'seal.p12',
    '-passout',
    `pass:${p12Password}`,
  );
  const file = (name: string) => path.join(dir, name);
  if (options.crlUrl) {
    fs.writeFileSync(file('index.txt'), '');
    fs.writeFileSync(file('crlnumber'), '01\n');
    ssl('ca', '-config', 'openssl.cnf', '-gencrl', '-out', 'ca.crl');
    ssl('crl', '-in', 'ca.crl', '-outform', 'DER', '-out', 'ca.crl.der');
  }
  return {
    dir,
    caPem: file('ca.pem'),
    p12Path: file('seal.p12'),
    p12Password,
    sealPem: file('seal.pem'),
    tsaPem: file('tsa.pem'),
    sealKey: file('seal.key'),
    ...(options.crlUrl ? { crlPath: file('ca.crl.der') } : {}),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TestTsa {
  url: string;
  /** Requests answered so far. */
  served: () => number;
  /** Makes the next answers fail with this HTTP status (0: answer normally). */
  failWith(status: number): void;
  close(): Promise<void>;
}

/** An RFC 3161 authority over HTTP: each query is answered by `openssl ts -reply` with the PKI's TSA key. */
export async function startTsa(pki: TestPki): Promise<TestTsa> {
  let served = 0;
  let failure = 0;
  let counter = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (failure) {
          res.writeHead(failure).end();
          return;
        }
        const query = path.join(pki.dir, `q${++counter}.tsq`);
        const reply = path.join(pki.dir, `r${counter}.tsr`);
        fs.writeFileSync(query, Buffer.concat(chunks));
        try {
          await run('openssl', [
            'ts',
            '-reply',
            '-config',
            path.join(pki.dir, 'openssl.cnf'),
            '-queryfile',
            query,
            '-out',
            reply,
          ]);
          served++;
          res.writeHead(200, { 'Content-Type': 'application/timestamp-reply' }).end(fs.readFileSync(reply));
        } catch {
          res.writeHead(500).end();
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    served: () => served,
    failWith: (status) => {
      failure = status;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface TestCrlServer {
  /** The distribution point URL to give `makePki({ crlUrl })`. */
  url: string;
  /** Serves this PKI's CRL from now on (404 before). */
  serve(pki: TestPki): void;
  /** CRL downloads so far. */
  served: () => number;
  close(): Promise<void>;
}

/** A CA's CRL distribution point over HTTP, started before the PKI so that its certificates can name it. */
export async function startCrlServer(): Promise<TestCrlServer> {
  let crlPath: string | undefined;
  let served = 0;
  const server = http.createServer((req, res) => {
    if (!crlPath || req.url !== '/ca.crl') {
      res.writeHead(404).end();
      return;
    }
    served++;
    res.writeHead(200, { 'Content-Type': 'application/pkix-crl' }).end(fs.readFileSync(crlPath));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ca.crl`,
    serve: (pki) => {
      crlPath = pki.crlPath;
    },
    served: () => served,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** What poppler's pdfsig says of a PDF's signatures (its exit code is non-zero for an invalid one: the text says why). */
export async function pdfsig(pdf: Uint8Array, dir: string, args: string[] = []): Promise<string> {
  const file = path.join(dir, `doc-${process.hrtime.bigint()}.pdf`);
  fs.writeFileSync(file, pdf);
  try {
    const { stdout } = await run('pdfsig', [...args, file]).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    return stdout;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

export interface TestToken {
  module: string;
  token: string;
  pin: string;
  key: string;
  /** SOFTHSM2_CONF for this token's store (set in process.env before the module is initialised). */
  conf: string;
}

/** A SoftHSM token holding the PKI's e-seal key and certificate (and the CA certificate), as an HSM would. */
export function makeSoftHsmToken(pki: TestPki): TestToken {
  const store = path.join(pki.dir, 'softhsm');
  fs.mkdirSync(store, { recursive: true });
  const conf = path.join(pki.dir, 'softhsm2.conf');
  fs.writeFileSync(conf, `directories.tokendir = ${store}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  const module = '/usr/lib/softhsm/libsofthsm2.so';
  const pin = '246810';
  const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: pki.dir, env, stdio: 'pipe' });
  sh('softhsm2-util', ['--init-token', '--free', '--label', 'esurety-seal', '--so-pin', '13579111', '--pin', pin]);
  sh('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', 'seal.key', '-out', 'seal.p8']);
  sh('softhsm2-util', [
    '--import',
    'seal.p8',
    '--token',
    'esurety-seal',
    '--label',
    'seal',
    '--id',
    '01',
    '--pin',
    pin,
  ]);
  for (const [name, id] of [
    ['seal', '01'],
    ['ca', '02'],
  ] as const) {
    sh('openssl', ['x509', '-in', `${name}.pem`, '-outform', 'DER', '-out', `${name}.der`]);
    sh('pkcs11-tool', [
      '--module',
      module,
      '--token-label',
      'esurety-seal',
      '--login',
      '--pin',
      pin,
      '--write-object',
      `${name}.der`,
      '--type',
      'cert',
      '--label',
      name === 'seal' ? 'seal' : 'ca',
      '--id',
      id,
    ]);
  }
  return { module, token: 'esurety-seal', pin, key: 'seal', conf };
}
