// The destination types and their settings, as `panther destinations types` lists them
// (internal/notify). Kept in step by hand: a new type or field needs a line here.
export interface DestField { name: string; kind: string; description: string; required?: boolean; secret?: boolean; enum?: string[] }
export interface DestType { type: string; label: string; fields: DestField[] }

export const destinationTypes: DestType[] = [
  {
    "type": "asana",
    "label": "Asana task",
    "fields": [
      {
        "name": "personalAccessToken",
        "kind": "string",
        "description": "Asana personal access token",
        "required": true,
        "secret": true
      },
      {
        "name": "projectGids",
        "kind": "list",
        "description": "Global ids of the projects the tasks are added to",
        "required": true
      },
      {
        "name": "apiURL",
        "kind": "string",
        "description": "API base URL, for tests and proxies"
      }
    ]
  },
  {
    "type": "customwebhook",
    "label": "Custom webhook receiving the standard notification JSON",
    "fields": [
      {
        "name": "webhookURL",
        "kind": "string",
        "description": "URL the standard notification JSON is posted to",
        "required": true,
        "secret": true
      }
    ]
  },
  {
    "type": "email",
    "label": "E-mail over SMTP",
    "fields": [
      {
        "name": "host",
        "kind": "string",
        "description": "SMTP server host name",
        "required": true
      },
      {
        "name": "port",
        "kind": "int",
        "description": "SMTP port (default 587 for starttls, 465 for tls, 25 for none)"
      },
      {
        "name": "tls",
        "kind": "string",
        "description": "How the connection is encrypted",
        "enum": [
          "starttls",
          "tls",
          "none"
        ]
      },
      {
        "name": "username",
        "kind": "string",
        "description": "User for PLAIN authentication (empty: no authentication)"
      },
      {
        "name": "password",
        "kind": "string",
        "description": "Password for PLAIN authentication",
        "secret": true
      },
      {
        "name": "from",
        "kind": "string",
        "description": "Sender address",
        "required": true
      },
      {
        "name": "to",
        "kind": "list",
        "description": "Recipient addresses",
        "required": true
      }
    ]
  },
  {
    "type": "github",
    "label": "GitHub issue",
    "fields": [
      {
        "name": "repoName",
        "kind": "string",
        "description": "Repository as owner/repo",
        "required": true
      },
      {
        "name": "token",
        "kind": "string",
        "description": "Token allowed to create issues in the repository",
        "required": true,
        "secret": true
      },
      {
        "name": "apiURL",
        "kind": "string",
        "description": "REST API base URL (GitHub Enterprise: https://HOST/api/v3)"
      }
    ]
  },
  {
    "type": "jira",
    "label": "Jira issue",
    "fields": [
      {
        "name": "orgDomain",
        "kind": "string",
        "description": "Base URL of the Jira site, e.g. https://example.atlassian.net",
        "required": true
      },
      {
        "name": "projectKey",
        "kind": "string",
        "description": "Key of the project the issues are created in",
        "required": true
      },
      {
        "name": "userName",
        "kind": "string",
        "description": "User (e-mail) the API token belongs to",
        "required": true
      },
      {
        "name": "apiKey",
        "kind": "string",
        "description": "Jira API token",
        "required": true,
        "secret": true
      },
      {
        "name": "assigneeId",
        "kind": "string",
        "description": "Account id of the assignee"
      },
      {
        "name": "issueType",
        "kind": "string",
        "description": "Issue type name (Task, Bug, Story, ...)"
      },
      {
        "name": "labels",
        "kind": "list",
        "description": "Labels set on every issue"
      }
    ]
  },
  {
    "type": "msteams",
    "label": "Microsoft Teams incoming webhook",
    "fields": [
      {
        "name": "webhookURL",
        "kind": "string",
        "description": "Microsoft Teams incoming webhook URL",
        "required": true,
        "secret": true
      }
    ]
  },
  {
    "type": "opsgenie",
    "label": "Opsgenie alert",
    "fields": [
      {
        "name": "apiKey",
        "kind": "string",
        "description": "API key of an Opsgenie API integration",
        "required": true,
        "secret": true
      },
      {
        "name": "serviceRegion",
        "kind": "string",
        "description": "Opsgenie service region",
        "enum": [
          "US",
          "EU"
        ]
      },
      {
        "name": "apiURL",
        "kind": "string",
        "description": "Alert API endpoint overriding the region's, for tests and proxies"
      }
    ]
  },
  {
    "type": "pagerduty",
    "label": "PagerDuty Events API v2",
    "fields": [
      {
        "name": "integrationKey",
        "kind": "string",
        "description": "Events API v2 integration (routing) key, 32 hex characters",
        "required": true,
        "secret": true
      },
      {
        "name": "apiURL",
        "kind": "string",
        "description": "Events API endpoint, for tests and proxies"
      }
    ]
  },
  {
    "type": "slack",
    "label": "Slack incoming webhook",
    "fields": [
      {
        "name": "webhookURL",
        "kind": "string",
        "description": "Slack incoming webhook URL (https://hooks.slack.com/services/...)",
        "required": true,
        "secret": true
      }
    ]
  },
  {
    "type": "sns",
    "label": "Amazon SNS topic",
    "fields": [
      {
        "name": "topicArn",
        "kind": "string",
        "description": "ARN of the topic; its region is the client's",
        "required": true
      },
      {
        "name": "accessKeyId",
        "kind": "string",
        "description": "Access key id (empty: the default credential chain)"
      },
      {
        "name": "secretAccessKey",
        "kind": "string",
        "description": "Secret access key",
        "secret": true
      },
      {
        "name": "sessionToken",
        "kind": "string",
        "description": "Session token of temporary credentials",
        "secret": true
      },
      {
        "name": "endpoint",
        "kind": "string",
        "description": "Service endpoint overriding the region's, for tests and VPC endpoints"
      }
    ]
  },
  {
    "type": "sqs",
    "label": "Amazon SQS queue",
    "fields": [
      {
        "name": "queueUrl",
        "kind": "string",
        "description": "URL of the queue; its region is the client's",
        "required": true
      },
      {
        "name": "region",
        "kind": "string",
        "description": "Region, when the queue URL does not name one (custom endpoints)"
      },
      {
        "name": "accessKeyId",
        "kind": "string",
        "description": "Access key id (empty: the default credential chain)"
      },
      {
        "name": "secretAccessKey",
        "kind": "string",
        "description": "Secret access key",
        "secret": true
      },
      {
        "name": "sessionToken",
        "kind": "string",
        "description": "Session token of temporary credentials",
        "secret": true
      },
      {
        "name": "endpoint",
        "kind": "string",
        "description": "Service endpoint overriding the region's, for tests and VPC endpoints"
      }
    ]
  },
  {
    "type": "templatewebhook",
    "label": "Webhook with a body rendered from a Go template",
    "fields": [
      {
        "name": "webhookURL",
        "kind": "string",
        "description": "URL the rendered body is posted to",
        "required": true,
        "secret": true
      },
      {
        "name": "template",
        "kind": "string",
        "description": "Go text/template of the request body; the dot is the alert",
        "required": true
      },
      {
        "name": "contentType",
        "kind": "string",
        "description": "Content-Type of the body"
      },
      {
        "name": "headers",
        "kind": "map",
        "description": "Extra request headers (values are secret)",
        "secret": true
      }
    ]
  }
];
