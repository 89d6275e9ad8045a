package analysis

import "strings"

// The per-type key schemas, after PAT's schemas.py (HEAD) and the
// JSON-schema layer PAT runs on every spec (detection_schemas/
// analysis_config_schema.json). Keys, requiredness and types follow
// shared/specs/detections.md section 1.2.

func opt(name string, chk checker) field { return field{name: name, chk: chk} }
func req(name string, chk checker) field { return field{name: name, req: true, chk: chk} }

// jsonTestKeys are the keys the JSON-schema layer allows in a test item.
var jsonTestKeys = []string{"Name", "ExpectedResult", "LogType", "ResourceType", "Mocks", "Log", "Resource", "RuleOutputs"}

var mockSchema = &schema{
	what: "a mock",
	fields: []field{
		req("objectName", chkStr),
		req("returnValue", chkMockReturn),
	},
}

func chkMockReturn(c *check, n *node, path string) {
	switch n.val.(type) {
	case string, bool:
		if n.kind == scalarNode {
			return
		}
	}
	c.add(n.line, path, "expected a string or bool, got %s", kindName(n))
}

func chkMocks(c *check, n *node, path string) {
	listOf(func(c *check, n *node, path string) { c.mapping(n, path, mockSchema) })(c, n, path)
}

var ruleTestSchema = &schema{
	what: "a rule test",
	fields: []field{
		req("Name", chkStr), req("ExpectedResult", chkBool), req("Log", chkAny),
		opt("LogType", chkStr), opt("Mocks", chkMocks),
	},
	tolerated: jsonTestKeys,
}

var policyTestSchema = &schema{
	what: "a policy test",
	fields: []field{
		req("Name", chkStr), req("ExpectedResult", chkBool), req("Resource", chkAny),
		opt("ResourceType", chkStr), opt("Mocks", chkMocks),
	},
	tolerated: jsonTestKeys,
}

var ruleOutputSchema = &schema{
	what:   "a rule output",
	fields: []field{req("ID", chkStr), opt("Matches", chkAny)},
}

var correlationTestSchema = &schema{
	what: "a correlation rule test",
	fields: []field{
		req("Name", chkStr), req("ExpectedResult", chkBool),
		req("RuleOutputs", listOf(func(c *check, n *node, p string) { c.mapping(n, p, ruleOutputSchema) })),
	},
	tolerated: jsonTestKeys,
}

// derivedTestSchema is the JSON-schema layer alone: derived rules may
// carry any of the test keys.
var derivedTestSchema = &schema{
	what: "a test",
	fields: []field{
		req("Name", chkStr), req("ExpectedResult", chkBool),
		opt("LogType", chkStr), opt("ResourceType", chkStr), opt("Mocks", chkMocks),
		opt("Log", chkAny), opt("Resource", chkAny), opt("RuleOutputs", chkAny),
	},
}

func testsOf(s *schema) checker {
	return listOf(func(c *check, n *node, path string) { c.mapping(n, path, s) })
}

// detectionCommon are the optional keys of rules and policies.
func detectionCommon() []field {
	return []field{
		opt("Description", chkStr), opt("Reference", chkStr), opt("Runbook", chkStr),
		opt("CreatedBy", chkStr), opt("Status", chkStr), opt("DisplayName", chkID),
		opt("BaseVersion", chkInt), opt("OnlyUseBaseRiskScore", chkBool),
		opt("OutputIds", chkStrList), opt("Tags", chkStrList), opt("Reports", chkReports),
	}
}

var ruleSchema = &schema{
	what: "a rule",
	fields: append([]field{
		req("AnalysisType", oneOf("rule", "scheduled_rule")),
		req("Enabled", chkBool),
		opt("Filename", chkStr),
		opt("Detection", chkAny),
		req("RuleID", chkID),
		opt("LogTypes", chkStrList),
		opt("ScheduledQueries", chkStrList),
		req("Severity", chkSeverity),
		opt("AlertTitle", chkStr),
		opt("DedupPeriodMinutes", chkInt), opt("Threshold", chkInt),
		opt("CreateAlert", chkBool),
		opt("SummaryAttributes", chkStrList),
		opt("InlineFilters", chkAny), opt("DynamicSeverities", chkAny),
		opt("AlertContext", chkAny), opt("GroupBy", chkAny),
		opt("Tests", testsOf(ruleTestSchema)),
	}, detectionCommon()...),
	exactlyOne: [][]string{{"Filename", "Detection"}, {"LogTypes", "ScheduledQueries"}},
	relaxable:  true,
}

var derivedSchema = &schema{
	what: "a derived rule",
	fields: []field{
		req("AnalysisType", oneOf("rule")),
		req("RuleID", chkID), req("BaseDetection", chkID),
		opt("Enabled", chkBool), opt("Severity", chkSeverity), opt("Description", chkStr),
		opt("DedupPeriodMinutes", chkInt), opt("InlineFilters", chkAny), opt("DisplayName", chkID),
		opt("OnlyUseBaseRiskScore", chkBool), opt("OutputIds", chkStrList), opt("Reference", chkStr),
		opt("Runbook", chkStr), opt("Status", chkStr), opt("SummaryAttributes", chkStrList),
		opt("Threshold", chkInt), opt("Tags", chkStrList), opt("Reports", chkReports),
		opt("DynamicSeverities", chkAny), opt("AlertTitle", chkStr), opt("AlertContext", chkAny),
		opt("GroupBy", chkAny), opt("CreateAlert", chkBool), opt("BaseVersion", chkInt),
		opt("Tests", testsOf(derivedTestSchema)),
	},
	relaxable: true,
}

// resourceTypes are the names PAT's RESOURCE_TYPE_REGEX accepts after "AWS.".
var resourceTypes = []string{
	"ACM.Certificate", "CloudFormation.Stack", "CloudTrail.Meta", "CloudTrail", "CloudWatch.LogGroup",
	"Config.Recorder.Meta", "Config.Recorder", "DynamoDB.Table", "EC2.AMI", "EC2.Instance",
	"EC2.NetworkACL", "EC2.SecurityGroup", "EC2.Volume", "EC2.VPC", "ECS.Cluster", "EKS.Cluster",
	"ELBV2.ApplicationLoadBalancer", "GuardDuty.Detector.Meta", "GuardDuty.Detector", "IAM.Group",
	"IAM.Policy", "IAM.Role", "IAM.RootUser", "IAM.User", "KMS.Key", "Lambda.Function",
	"PasswordPolicy", "RDS.Instance", "Redshift.Cluster", "Route53.HostedZone", "Route53Domains",
	"S3.Bucket", "WAF.Regional.WebACL", "WAF.WebACL",
}

func chkResourceTypes(c *check, n *node, path string) {
	if n.kind != seqNode {
		c.add(n.line, path, "expected a list of strings, got %s", kindName(n))
		return
	}
	for i, it := range n.items {
		p := joinIndex(path, i)
		if !isStr(it) {
			c.add(it.line, p, "expected a string, got %s", kindName(it))
			continue
		}
		if v := strVal(it); !strings.HasPrefix(v, "AWS.") || !contains(resourceTypes, strings.TrimPrefix(v, "AWS.")) {
			c.add(it.line, p, "%q is not a known resource type (AWS.S3.Bucket, AWS.IAM.Role, ...)", strVal(it))
		}
	}
}

var policySchema = &schema{
	what: "a policy",
	fields: append([]field{
		req("AnalysisType", oneOf("policy")),
		req("Enabled", chkBool), req("Filename", chkStr), req("PolicyID", chkID),
		req("Severity", chkSeverity),
		opt("ResourceTypes", chkResourceTypes),
		opt("ActionDelaySeconds", chkInt), opt("AutoRemediationID", chkStr),
		opt("AutoRemediationParameters", chkAny), opt("Suppressions", chkStrList),
		opt("Tests", testsOf(policyTestSchema)),
	}, detectionCommon()...),
	relaxable: true,
}

var correlationSchema = &schema{
	what: "a correlation rule",
	fields: []field{
		req("AnalysisType", oneOf("correlation_rule")),
		req("RuleID", chkID), req("Enabled", chkBool), req("Detection", chkCorrelationDetection),
		req("Severity", chkSeverity),
		opt("Description", chkStr), opt("DisplayName", chkID), opt("OnlyUseBaseRiskScore", chkBool),
		opt("OutputIds", chkStrList), opt("CreatedBy", chkStr), opt("Reference", chkStr),
		opt("Runbook", chkStr), opt("Status", chkStr), opt("SummaryAttributes", chkStrList),
		opt("Tags", chkStrList), opt("Reports", chkReports), opt("CreateAlert", chkBool),
		opt("BaseVersion", chkInt),
		opt("Tests", testsOf(correlationTestSchema)),
	},
}

var globalSchema = &schema{
	what: "a global",
	fields: []field{
		req("AnalysisType", oneOf("global")), req("Filename", chkStr), req("GlobalID", chkID),
		opt("Description", chkStr), opt("Tags", chkStrList), opt("BaseVersion", chkInt),
	},
}

var mappingSchema = &schema{
	what:       "a data model mapping",
	fields:     []field{req("Name", chkStr), opt("Path", chkStr), opt("Method", chkStr)},
	exactlyOne: [][]string{{"Path", "Method"}},
}

var dataModelSchema = &schema{
	what: "a data model",
	fields: []field{
		req("AnalysisType", oneOf("datamodel")), req("DataModelID", chkID), req("Enabled", chkBool),
		req("LogTypes", chkStrList),
		req("Mappings", listOf(func(c *check, n *node, p string) { c.mapping(n, p, mappingSchema) })),
		opt("DisplayName", chkID), opt("Filename", chkStr), opt("BaseVersion", chkInt),
	},
}

var packDefinitionSchema = &schema{
	what:   "a pack definition",
	fields: []field{req("IDs", chkStrList)},
}

var packSchema = &schema{
	what: "a pack",
	fields: []field{
		req("AnalysisType", oneOf("pack")), req("PackID", chkID),
		req("PackDefinition", func(c *check, n *node, p string) { c.mapping(n, p, packDefinitionSchema) }),
		opt("Description", chkStr), opt("DisplayName", chkID),
	},
}

// queryKeys are the keys that hold a query's SQL, in the order Query.Query
// prefers them.
var queryKeys = []string{"Query", "SnowflakeQuery", "AthenaQuery", "DatabricksQuery", "PantherFlowQuery"}

var savedQuerySchema = &schema{
	what: "a saved query",
	fields: []field{
		req("AnalysisType", oneOf("saved_query")), req("QueryName", chkID),
		opt("Query", chkStr), opt("AthenaQuery", chkStr), opt("SnowflakeQuery", chkStr),
		opt("DatabricksQuery", chkStr), opt("PantherFlowQuery", chkStr),
		opt("Description", chkStr), opt("Tags", chkStrList), opt("Lookback", chkBool),
		opt("LookbackWindowSeconds", chkInt), opt("BaseVersion", chkInt),
	},
	atLeastOne: [][]string{{"Query", "AthenaQuery", "SnowflakeQuery", "DatabricksQuery", "PantherFlowQuery"}},
}

var scheduleSchema = &schema{
	what: "a schedule",
	fields: []field{
		opt("CronExpression", chkStr), opt("RateMinutes", chkInt), req("TimeoutMinutes", chkInt),
	},
	exactlyOne: [][]string{{"CronExpression", "RateMinutes"}},
}

// chkSchedule adds PAT's QueryScheduleSchema rule: RateMinutes > 1 and
// RateMinutes >= TimeoutMinutes.
func chkSchedule(c *check, n *node, path string) {
	if !c.mapping(n, path, scheduleSchema) {
		return
	}
	rate, hasRate := n.get("RateMinutes")
	if !hasRate {
		return
	}
	r := rate.val.(int64)
	t, _ := n.get("TimeoutMinutes")
	switch {
	case r <= 1:
		c.add(rate.line, joinKey(path, "RateMinutes"), "RateMinutes must be > 1, got %d", r)
	case r < t.val.(int64):
		c.add(rate.line, joinKey(path, "RateMinutes"), "RateMinutes must be >= TimeoutMinutes (%d), got %d", t.val.(int64), r)
	}
}

var emailConfigSchema = &schema{
	what:   "an email configuration",
	fields: []field{req("Recipients", chkStrList), opt("SendEmpty", chkBool), opt("PreferAttachment", chkBool)},
}

var scheduledQuerySchema = &schema{
	what: "a scheduled query",
	fields: []field{
		req("AnalysisType", oneOf("scheduled_query")), req("QueryName", chkID), req("Enabled", chkBool),
		opt("Query", chkStr), opt("AthenaQuery", chkStr), opt("SnowflakeQuery", chkStr),
		opt("DatabricksQuery", chkStr),
		req("Schedule", chkSchedule),
		opt("Description", chkStr), opt("Tags", chkStrList), opt("Lookback", chkBool),
		opt("LookbackWindowSeconds", chkInt), opt("BaseVersion", chkInt),
		opt("EmailConfig", func(c *check, n *node, p string) { c.mapping(n, p, emailConfigSchema) }),
	},
	atLeastOne: [][]string{{"Query", "AthenaQuery", "SnowflakeQuery", "DatabricksQuery"}},
}

var associatedLogTypeSchema = &schema{
	what:   "an associated log type",
	fields: []field{req("LogType", chkStr), opt("Selectors", chkStrList)},
}

var logTypeMapSchema = &schema{
	what: "a log type map",
	fields: []field{
		req("PrimaryKey", chkStr),
		opt("AssociatedLogTypes", listOf(func(c *check, n *node, p string) { c.mapping(n, p, associatedLogTypeSchema) })),
	},
}

func chkLogTypeMap(c *check, n *node, p string) { c.mapping(n, p, logTypeMapSchema) }

var lutSourceSchema = &schema{
	what: "a lookup table source",
	fields: []field{
		req("ObjectPath", chkStr), opt("PeriodMinutes", chkInt), opt("AlarmPeriodMinutes", chkInt),
		opt("RoleARN", chkStr), opt("ObjectKMSKey", chkStr), opt("GCSCredentials", chkStr),
		opt("StorageProvider", chkStr),
	},
}

// chkLUTSource accepts a string or a source mapping.
func chkLUTSource(c *check, n *node, path string) {
	if isStr(n) {
		return
	}
	if n.kind != mapNode {
		c.add(n.line, path, "expected a string or a mapping with ObjectPath, got %s", kindName(n))
		return
	}
	c.mapping(n, path, lutSourceSchema)
}

var lookupTableSchema = &schema{
	what: "a lookup table",
	fields: []field{
		req("AnalysisType", oneOf("lookup_table")), req("LookupName", chkStr), req("Enabled", chkBool),
		req("Schema", chkStr), req("LogTypeMap", chkLogTypeMap),
		opt("Filename", chkLUTSource), opt("Refresh", chkLUTSource),
		opt("Description", chkStr), opt("Reference", chkStr), opt("BaseVersion", chkInt),
	},
	atLeastOne: [][]string{{"Filename", "Refresh"}},
}

var sqlRefreshSchema = &schema{
	what:       "a lookup table refresh",
	fields:     []field{opt("PeriodMinutes", chkInt), opt("CronExpression", chkStr)},
	exactlyOne: [][]string{{"PeriodMinutes", "CronExpression"}},
}

var indicatorSchema = &schema{
	what:   "an indicator",
	fields: []field{req("Field", chkStr), req("Indicators", chkStrList)},
}

var validationSchema = &schema{
	what:   "a validation",
	fields: []field{req("Field", chkStr), req("Validations", chkStrList)},
}

var sqlLookupTableSchema = &schema{
	what: "a SQL lookup table",
	fields: []field{
		req("AnalysisType", oneOf("lookup_table")), req("LookupName", chkStr), req("Enabled", chkBool),
		opt("Query", chkStr), opt("AthenaQuery", chkStr), opt("SnowflakeQuery", chkStr), opt("DatabricksQuery", chkStr),
		req("LogTypeMap", chkLogTypeMap),
		req("Refresh", func(c *check, n *node, p string) { c.mapping(n, p, sqlRefreshSchema) }),
		opt("Indicators", listOf(func(c *check, n *node, p string) { c.mapping(n, p, indicatorSchema) })),
		opt("Validations", listOf(func(c *check, n *node, p string) { c.mapping(n, p, validationSchema) })),
		opt("Description", chkStr), opt("Reference", chkStr), opt("BaseVersion", chkInt),
	},
	atLeastOne: [][]string{{"Query", "AthenaQuery", "SnowflakeQuery", "DatabricksQuery"}},
}

var scheduledPromptSchema = &schema{
	what: "a scheduled prompt",
	fields: []field{
		req("AnalysisType", oneOf("scheduled_prompt")), req("PromptName", chkPromptName),
		req("DisplayName", chkStr), req("PromptText", chkStr), req("RunAsUser", chkNonEmptyStr),
		req("Schedule", chkSchedule),
		opt("Description", chkStr), opt("OutputLength", oneOf("small", "medium", "largest")),
		opt("Enabled", chkBool), opt("Private", chkFalseOnly),
	},
}

// schemaFor picks the schema of a spec, as PAT does: BaseDetection selects
// the derived schema, a query key selects the SQL lookup table schema.
func schemaFor(t AnalysisType, root *node) *schema {
	switch t {
	case TypeRule, TypeScheduledRule:
		if b, ok := root.get("BaseDetection"); ok && truthy(b) {
			return derivedSchema
		}
		return ruleSchema
	case TypePolicy:
		return policySchema
	case TypeCorrelationRule:
		return correlationSchema
	case TypeGlobal:
		return globalSchema
	case TypeDataModel:
		return dataModelSchema
	case TypePack:
		return packSchema
	case TypeSavedQuery:
		return savedQuerySchema
	case TypeScheduledQuery:
		return scheduledQuerySchema
	case TypeLookupTable:
		for _, k := range []string{"Query", "AthenaQuery", "SnowflakeQuery", "DatabricksQuery"} {
			if _, ok := root.get(k); ok {
				return sqlLookupTableSchema
			}
		}
		return lookupTableSchema
	case TypeScheduledPrompt:
		return scheduledPromptSchema
	}
	return nil
}

// truthy is Python truthiness of a parsed value.
func truthy(n *node) bool {
	switch n.kind {
	case mapNode:
		return len(n.keys) > 0
	case seqNode:
		return len(n.items) > 0
	}
	switch x := n.val.(type) {
	case nil:
		return false
	case bool:
		return x
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	}
	return true
}
