'use strict';
// Signs in to a Cognito user pool with amazon-cognito-identity-js
// (USER_SRP_AUTH), for the Go tests of the local Cognito emulator.
//
// Input on stdin, one JSON object per line:
//   first line: {"endpoint", "userPoolId", "clientId", "username", "password"}
//     (the password travels on stdin so that it never shows in a process list)
//   each further line: {"n": N} runs N sign-ins one after another.
// Output on stdout, one JSON line per request line:
//   {"ok": true, "n": N, "idToken": "<last ID token>"}
//   {"ok": false, "completed": K, "code": "<Cognito error code>", "message": "..."}
// The script exits when stdin closes.

const readline = require('node:readline');
const {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
} = require('amazon-cognito-identity-js');

function signIn(pool, username, password) {
  return new Promise((resolve, reject) => {
    const user = new CognitoUser({ Username: username, Pool: pool });
    const details = new AuthenticationDetails({ Username: username, Password: password });
    const unexpected = (name) => () => {
      const err = new Error(`unexpected challenge ${name}`);
      err.code = name;
      reject(err);
    };
    user.authenticateUser(details, {
      onSuccess: (session) => resolve(session.getIdToken().getJwtToken()),
      onFailure: reject,
      newPasswordRequired: unexpected('NEW_PASSWORD_REQUIRED'),
      mfaRequired: unexpected('SMS_MFA'),
      totpRequired: unexpected('SOFTWARE_TOKEN_MFA'),
      customChallenge: unexpected('CUSTOM_CHALLENGE'),
      mfaSetup: unexpected('MFA_SETUP'),
      selectMFAType: unexpected('SELECT_MFA_TYPE'),
    });
  });
}

async function run(config, n) {
  const pool = new CognitoUserPool({
    UserPoolId: config.userPoolId,
    ClientId: config.clientId,
    endpoint: config.endpoint,
  });
  let idToken = '';
  for (let i = 0; i < n; i += 1) {
    try {
      idToken = await signIn(pool, config.username, config.password);
    } catch (err) {
      return { ok: false, completed: i, code: err.code || err.name || 'Error', message: err.message };
    }
  }
  return { ok: true, n, idToken };
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  let config = null;
  for await (const line of lines) {
    if (line.trim() === '') {
      continue;
    }
    const message = JSON.parse(line);
    if (config === null) {
      config = message;
      continue;
    }
    const result = await run(config, message.n);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`cognito-signin: ${err.stack || err}\n`);
  process.exit(1);
});
