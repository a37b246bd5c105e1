/**
 * A stand-in for CloudFormation's DescribeStacks (the query protocol's XML), for CLI tests of
 * `--target aws` that run the CLI as a child process, where aws-sdk-client-mock cannot reach:
 * the child finds it through AWS_ENDPOINT_URL_CLOUDFORMATION. Only the stack's outputs matter.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeCloudFormation {
  readonly url: string;
  /** The outputs of `stackName`; change them between calls to test mismatches. */
  outputs: Record<string, string>;
  close(): Promise<void>;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export async function startFakeCloudFormation(stackName: string, outputs: Record<string, string>): Promise<FakeCloudFormation> {
  const fake = { outputs };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      const params = new URLSearchParams(body);
      const ns = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
      if (params.get('Action') !== 'DescribeStacks' || params.get('StackName') !== stackName) {
        res.writeHead(400, { 'Content-Type': 'text/xml' });
        res.end(`<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${xml(params.get('StackName') ?? '')} does not exist</Message></Error><RequestId>fake</RequestId></ErrorResponse>`);
        return;
      }
      const members = Object.entries(fake.outputs)
        .map(([k, v]) => `<member><OutputKey>${xml(k)}</OutputKey><OutputValue>${xml(v)}</OutputValue></member>`)
        .join('');
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      res.end(
        `<DescribeStacksResponse xmlns="${ns}"><DescribeStacksResult><Stacks><member><StackName>${xml(stackName)}</StackName><StackId>arn:aws:cloudformation:eu-west-1:000000000000:stack/${xml(stackName)}/fake</StackId><CreationTime>2026-12-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(fake, {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  });
}
