// The machine's CA settings, which a login on it would have: the npm registry is reached through
// them, so every account the tests start a command as gets them too.
const CA_VARS = ["NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR"];

export function caEnv(): Record<string, string> {
    return Object.fromEntries(CA_VARS.filter((k) => process.env[k]).map((k) => [k, process.env[k]!]));
}

/** The same as NAME=VALUE words, for `env` on a command line. */
export function caEnvArgs(): string[] {
    return Object.entries(caEnv()).map(([k, v]) => `${k}=${v}`);
}
