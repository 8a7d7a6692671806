/**
 * The catalog's PostgreSQL: Aurora Serverless v2 (writer and a reader in another zone for failover) in the
 * isolated subnets, storage and secret encrypted with the stack's key, the master password in Secrets
 * Manager and rotated every 30 days. Clients reach it only from the security groups allowed below.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface DatabaseProps {
  vpc: ec2.IVpc;
  key: kms.IKey;
}

export const DATABASE_NAME = 'echocloud';
export const DATABASE_USER = 'echocloud';

export class Database extends Construct {
  readonly cluster: rds.DatabaseCluster;
  readonly secret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const vpcSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    const insights = { enablePerformanceInsights: true, performanceInsightEncryptionKey: props.key };
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
      vpc: props.vpc,
      vpcSubnets,
      defaultDatabaseName: DATABASE_NAME,
      credentials: rds.Credentials.fromGeneratedSecret(DATABASE_USER, { encryptionKey: props.key }),
      storageEncrypted: true,
      storageEncryptionKey: props.key,
      serverlessV2MinCapacity: 0.5,
      serverlessV2MaxCapacity: 8,
      writer: rds.ClusterInstance.serverlessV2('writer', { autoMinorVersionUpgrade: true, ...insights }),
      readers: [rds.ClusterInstance.serverlessV2('reader', { scaleWithWriter: true, autoMinorVersionUpgrade: true, ...insights })],
      iamAuthentication: true,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      backup: { retention: Duration.days(14), preferredWindow: '03:00-04:00' },
      cloudwatchLogsExports: ['postgresql'],
      monitoringInterval: Duration.seconds(60),
      parameterGroup: new rds.ParameterGroup(this, 'Parameters', {
        engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
        parameters: { 'rds.force_ssl': '1', log_connections: '1', log_disconnections: '1' },
      }),
    });
    this.secret = this.cluster.secret!;
    this.cluster.addRotationSingleUser({
      automaticallyAfter: Duration.days(30),
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    });
  }

  /** Lets a client security group open connections to the database port. */
  allowFrom(peer: ec2.IConnectable, description: string): void {
    this.cluster.connections.allowDefaultPortFrom(peer, description);
  }
}
