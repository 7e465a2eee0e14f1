/**
 * Running the lab's scenarios (test/helpers/check/scenario-table.ts): bring the lab to a scenario's state, and
 * run its check with the right, a wrong, or an issued credential.
 */
import { SCENARIOS, type LabState, type Scenario } from '../check/scenario-table.js';
import { LAB, type Lab } from './lab.js';
import { networkOf, setNetwork } from './networks.js';

/** Bring the lab to a state, restarting or reconfiguring only what differs from the current one. */
export async function applyState(lab: Lab, state: LabState): Promise<void> {
  await lab.setProvider(state.provider);
  if (lab.firewall !== state.firewall) await lab.setFirewall(state.firewall);
  if (lab.attachments.get('user')?.segment !== state.where) await lab.moveUser(state.where);
  if (networkOf(lab) !== (state.network ?? 'normal')) await setNetwork(lab, state.network ?? 'normal');
}

/** A wrong password that shares nothing with the right one (so "no password in the output" stays checkable). */
export function wrongPassword(lab: Lab): string {
  return `not-${lab.password.split('').reverse().join('')}`;
}

/** A token-shaped string the provider never issued (derived from the lab's password, so tests can look for it). */
export function wrongOAuthToken(lab: Lab): string {
  return `eyJ0eXAiOiJKV1QifQ.${Buffer.from(lab.password).toString('base64url')}.not-issued`;
}

/** Tokens issued for scenario checks, so that tests can prove none leaked. */
export const issuedTokens: string[] = [];

/** Run a scenario's check in the lab (its state must be applied). */
export async function runScenarioCheck(lab: Lab, s: Scenario, command?: string[]): ReturnType<Lab['runCheck']> {
  const { password, token, ...args } = s.check;
  const oauthToken = token === 'right' ? await lab.oauthToken() : token === 'wrong' ? wrongOAuthToken(lab) : undefined;
  if (oauthToken) issuedTokens.push(oauthToken);
  return lab.runCheck({
    ...args,
    ...(password === 'wrong' ? { password: wrongPassword(lab) } : {}),
    ...(oauthToken ? { oauthToken } : {}),
    ...(command ? { command } : {}),
  });
}

export { LAB, SCENARIOS, type LabState, type Scenario };
