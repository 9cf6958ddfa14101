// Test-only bridge to the independent IAM evaluator (@cloud-copilot/iam-simulate), used by
// tests/it/differential.rs. Reads a JSON array of cases from the file named by argv[2] and
// prints one JSON array of answers: {"id", "result"} with result "Allowed",
// "ExplicitlyDenied", "ImplicitlyDenied", or "error: ..." when the evaluator rejects the case.
//
// A case: {"id", "principal", "account", "action", "resource", "context",
//          "identity": [policy], "boundary": policy | null, "scps": [[policy]] (root first),
//          "rcps": [[policy]] (root first),
//          "resourcePolicy": policy | null}.
import { readFileSync } from 'node:fs'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const out = []
for (const c of cases) {
  const simulation = {
    request: {
      principal: c.principal,
      action: c.action,
      resource: { resource: c.resource, accountId: c.account },
      contextVariables: c.context || {}
    },
    identityPolicies: c.identity.map((policy, i) => ({ name: `identity${i}`, policy })),
    serviceControlPolicies: (c.scps || []).map((level, i) => ({
      orgIdentifier: i === 0 ? 'r-root' : `ou-level${i}`,
      policies: level.map((policy, j) => ({ name: `scp${i}-${j}`, policy }))
    })),
    resourceControlPolicies: (c.rcps || []).map((level, i) => ({
      orgIdentifier: i === 0 ? 'r-root' : `ou-level${i}`,
      policies: level.map((policy, j) => ({ name: `rcp${i}-${j}`, policy }))
    }))
  }
  if (c.resourcePolicy) simulation.resourcePolicy = c.resourcePolicy
  if (c.boundary) simulation.permissionBoundaryPolicies = [{ name: 'boundary', policy: c.boundary }]
  let result
  try {
    const r = await runSimulation(simulation, {})
    result = r.resultType === 'error' ? `error: ${JSON.stringify(r.errors)}` : r.overallResult
  } catch (e) {
    result = `error: ${e && e.message}`
  }
  out.push({ id: c.id, result })
}
process.stdout.write(JSON.stringify(out))
