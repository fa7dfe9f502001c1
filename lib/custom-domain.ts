import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import type { CustomDomainConfig } from './config.ts';

export interface CustomDomainProps {
  readonly api: apigw.RestApi;
  readonly stage: apigw.Stage;
  readonly domain: CustomDomainConfig;
}

/**
 * A regional custom domain (TLS 1.2+) mapped at the root to the API stage, so issuers are
 * `https://{domainName}/{tenantId}`; with a hosted zone, also the alias record.
 */
export class CustomDomain extends Construct {
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: CustomDomainProps) {
    super(scope, id);
    const { domain } = props;
    const domainName = new apigw.DomainName(this, 'DomainName', {
      domainName: domain.domainName,
      certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn),
      endpointType: apigw.EndpointType.REGIONAL,
      securityPolicy: apigw.SecurityPolicy.TLS_1_2,
    });
    domainName.addBasePathMapping(props.api, { stage: props.stage });
    if (domain.hostedZoneId && domain.hostedZoneName) {
      const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: domain.hostedZoneId,
        zoneName: domain.hostedZoneName,
      });
      new route53.ARecord(this, 'Alias', {
        zone,
        recordName: domain.domainName,
        target: route53.RecordTarget.fromAlias(new targets.ApiGatewayDomain(domainName)),
      });
    }
    this.baseUrl = `https://${domain.domainName}`;
  }
}
