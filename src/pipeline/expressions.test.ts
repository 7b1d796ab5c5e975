import assert from 'node:assert/strict';
import { evaluateCondition, ExpressionError, expressionsIn, interpolate, parseProblem, splitTemplate, type ExpressionScope } from './expressions.ts';

const scope: ExpressionScope = {
  parameters: { version: '1.4.2', replicas: 3, dryRun: false, regions: ['eu', 'us'] },
  trigger: { type: 'manual', user: 'alice' },
  stages: { check: { status: 'SUCCEEDED', outputs: { ok: true, count: 2 } } },
  execution: { name: 'release-1', pipeline: 'release' },
};

describe('expressions', () => {
  const cases: [string, unknown, unknown][] = [
    ['a whole-string expression keeps its type', '${parameters.replicas + 1}', 4],
    ['booleans', '${!parameters.dryRun}', true],
    ['text around expressions', 'v${parameters.version}-rc${parameters.replicas}', 'v1.4.2-rc3'],
    ['earlier stages\' outputs', '${stages.check.outputs.count * 10}', 20],
    ['stage status', '${stages.check.status == "SUCCEEDED"}', true],
    ['string functions', '${parameters.version.startsWith("1.")}', true],
    ['lists', '${parameters.regions.size()}', 2],
    ['maps come back as objects', '${{"a": parameters.replicas}}', { a: 3 }],
    ['a } in a quoted string does not end the expression', '${"}" + trigger.user}', '}alice'],
    ['$${ is a literal ${', 'cost: $${price}', 'cost: ${price}'],
    ['a raw string keeps its backslashes', '${r"\\d+" + "}"}', '\\d+}'],
    ['a triple-quoted string may hold quotes and }', '${"""a"}b"""}', 'a"}b'],
    ['no expression: unchanged', 'plain text', 'plain text'],
    ['deep in objects and arrays', { a: ['${execution.name}', 1], b: { c: '${trigger.user}' } }, { a: ['release-1', 1], b: { c: 'alice' } }],
  ];
  for (const [name, input, want] of cases) it(name, () => assert.deepEqual(interpolate(input, scope), want));

  const failures: [string, string, RegExp][] = [
    ['a missing key names the expression', '${parameters.nope}', /^expression \$\{parameters\.nope\} failed: No such key: nope$/],
    ['a syntax error', 'x ${parameters.version +}', /^expression \$\{parameters\.version \+\} failed: /],
    ['a type error', '${parameters.version + 1}', /^expression \$\{parameters\.version \+ 1\} failed: no such overload/],
    ['an unclosed expression', 'x ${parameters.version', /^expression \$\{parameters\.version\} failed: it has no closing \}$/],
  ];
  for (const [name, input, message] of failures) {
    it(`fails, never passing the raw text on: ${name}`, () => {
      assert.throws(() => interpolate(input, scope), (err: unknown) => err instanceof ExpressionError && message.test(err.message));
    });
  }

  it('evaluates conditions, refusing non-booleans', () => {
    assert.equal(evaluateCondition('${parameters.replicas > 2}', scope), true);
    assert.throws(() => evaluateCondition('${parameters.replicas}', scope), /it gave 3, not true or false/);
  });

  it('finds every expression and reports parse problems', () => {
    assert.deepEqual(expressionsIn({ a: 'x${a.b}y${c}', b: ['${d}'], n: 1 }), ['a.b', 'c', 'd']);
    assert.equal(parseProblem('a.b'), undefined);
    assert.match(parseProblem('a +')!, /Unexpected token/);
    assert.deepEqual(splitTemplate('${a}'), [{ expression: 'a' }]);
  });

  it('keeps parameters declared number as doubles, even when whole', () => {
    const s = { ...scope, parameters: { ...scope.parameters, ratio: 2 }, numberParameters: ['ratio'] };
    assert.equal(interpolate('${parameters.ratio * 1.5}', s), 3);
    assert.equal(interpolate('${parameters.replicas + 1}', s), 4, 'integers stay ints');
  });

  it('cannot reach outside its sandbox', () => {
    for (const attempt of ['${process.env}', '${constructor.constructor("return process")()}', '${require("fs")}']) {
      assert.throws(() => interpolate(attempt, scope), ExpressionError, attempt);
    }
  });
});
