// E-mail notifications with the operator as a process, against a real SMTP server on loopback
// (aiosmtpd): a failing run's mail arrives once, naming the failing stage, read back from the server.
import assert from 'node:assert/strict';
import { waitFor } from '../../cluster/probe.ts';
import { kubectlOk } from '../../support/kubectl.ts';
import { withOperator } from '../../support/namespace.ts';
import { inNamespace, pipeline, run, succeeded } from '../../support/runs.ts';
import { sharedCluster } from '../../support/setup.ts';
import { LocalSmtp } from '../../support/smtp.ts';

const ns = `notify-mail-${Date.now().toString(36)}`;
const { apply, finished, getRun } = inNamespace(ns);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('e-mail notifications, with the operator as a process and a real SMTP server', function () {
  this.timeout(180_000);
  let smtp: LocalSmtp;
  before(async () => { smtp = await LocalSmtp.start(); });
  after(async () => { await smtp?.stop(); });
  withOperator(ns, () => kubectlOk(sharedCluster().kubeconfigPath, ['-n', ns, 'create', 'secret', 'generic', 'smtp',
    '--from-literal=host=127.0.0.1', `--from-literal=port=${smtp.port}`, '--from-literal=security=none', '--from-literal=from=Staysail <ci@staysail.test>']));

  it('a failing run sends its mail once, naming the failing stage, with the delivery id as Message-ID', async () => {
    await apply(pipeline('release', [
      { refId: 'deploy', type: 'checkPreconditions', checkPreconditions: { preconditions: [{ expression: '${1 == 2}', message: 'the cluster is frozen' }] } },
    ], { notifications: [{ type: 'email', address: 'team@shop.test, oncall@shop.test', secretRef: { name: 'smtp' }, when: ['pipeline.failed'] }] }),
    run('release-1', 'release'));
    assert.equal(succeeded(await finished('release-1'))?.reason, 'Failed');
    await waitFor(async () => smtp.messages().length > 0, 30_000, () => 'no mail arrived');
    await sleep(3000); // and nothing again
    const mails = smtp.messages();
    assert.equal(mails.length, 1);
    const [mail] = mails;
    assert.deepEqual({ from: mail!.mailFrom, to: mail!.rcptTos }, { from: 'ci@staysail.test', to: ['team@shop.test', 'oncall@shop.test'] });
    assert.match(mail!.headers.subject!, /^\[staysail\] Pipeline "release" run "release-1" failed: stage "deploy" ended TERMINAL/);
    assert.match(mail!.body, /stage "deploy" ended TERMINAL: .*the cluster is frozen/);
    const delivery = (await getRun('release-1') as unknown as { status: { notifications: { id: string; state: string }[] } }).status.notifications[0]!;
    assert.equal(delivery.state, 'sent');
    assert.equal(mail!.headers['message-id'], `<${delivery.id}@staysail>`);
    assert.equal(mail!.headers['x-staysail-delivery'], delivery.id);
  });
});
