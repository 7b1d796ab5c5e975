// The jenkins stage's block.
import { bool, mapOf, obj, optional, str } from '../../schema.ts';

export const jenkinsBlock = obj('jenkins: start a Jenkins job with parameters, wait for its build, and read its result and property file into outputs.', {
  master: str('The Jenkins server: a key of the ConfigMap staysail-jenkins in this namespace (docs/jenkins.md).',
    { pattern: '^[A-Za-z0-9][-A-Za-z0-9_.]*$', maxLength: 253 }),
  job: str('The job\'s full name; a job in folders is folder/sub/job. May use expressions.', { maxLength: 1024 }),
  parameters: optional(mapOf('Build parameters (the job must define them); values may use expressions.',
    str('A value.', { maxLength: 4096 }), { maxProperties: 64 })),
  propertyFile: optional(str('An archived artifact (its relativePath) of key=value lines, read into outputs.properties when the build succeeds.',
    { maxLength: 1024 })),
  waitForCompletion: bool('Wait for the build to finish and take its result; false: succeed once the build has started.', { default: true }),
});
