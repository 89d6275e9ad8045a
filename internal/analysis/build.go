package analysis

// build turns a valid entry into its typed item.
func build(e *entry) Spec {
	r := e.root
	h := Header{Type: e.typ, ID: e.id, File: e.cand.display, AbsFile: fromSlash(e.cand.abs), WalkDir: e.cand.walkDir}
	if m, ok := r.value().(map[string]any); ok {
		h.Raw = m
	}
	switch e.typ {
	case TypeRule, TypeScheduledRule, TypeCorrelationRule, TypePolicy:
		return buildDetection(e, h)
	case TypeGlobal:
		return &Global{
			Header: h, Filename: str(r, "Filename"), PythonPath: e.pyPath, PythonSource: e.python,
			Description: str(r, "Description"), Tags: strs(r, "Tags"),
		}
	case TypeDataModel:
		dm := &DataModel{
			Header: h, Enabled: boolean(r, "Enabled", false), DisplayName: str(r, "DisplayName"),
			LogTypes: strs(r, "LogTypes"), Filename: str(r, "Filename"), PythonPath: e.pyPath, PythonSource: e.python,
		}
		if ms, ok := r.get("Mappings"); ok {
			for _, m := range ms.items {
				dm.Mappings = append(dm.Mappings, Mapping{Name: str(m, "Name"), Path: str(m, "Path"), Method: str(m, "Method")})
			}
		}
		return dm
	case TypePack:
		p := &Pack{Header: h, DisplayName: str(r, "DisplayName"), Description: str(r, "Description")}
		if def, ok := r.get("PackDefinition"); ok {
			p.IDs = strs(def, "IDs")
		}
		return p
	case TypeSavedQuery, TypeScheduledQuery:
		q := &Query{
			Header: h, Enabled: boolean(r, "Enabled", true), Description: str(r, "Description"),
			Tags: strs(r, "Tags"), Lookback: boolean(r, "Lookback", false),
			LookbackWindowSeconds: integer(r, "LookbackWindowSeconds", 0), Queries: map[string]string{},
		}
		for _, k := range queryKeys {
			if n, ok := r.get(k); ok {
				q.Queries[k] = strVal(n)
				if q.Query == "" {
					q.Query = strVal(n)
				}
			}
		}
		if s, ok := r.get("Schedule"); ok {
			sc := buildSchedule(s)
			q.Schedule = &sc
		}
		if ec, ok := r.get("EmailConfig"); ok {
			q.EmailRecipients = strs(ec, "Recipients")
		}
		return q
	case TypeLookupTable:
		lt := &LookupTable{
			Header: h, Enabled: boolean(r, "Enabled", false), Schema: str(r, "Schema"),
			Description: str(r, "Description"), Reference: str(r, "Reference"), Filename: str(r, "Filename"),
		}
		if n, ok := r.get("Refresh"); ok {
			lt.Refresh = n.value()
		}
		for _, k := range queryKeys {
			if n, ok := r.get(k); ok && lt.Query == "" {
				lt.Query = strVal(n)
			}
		}
		if m, ok := r.get("LogTypeMap"); ok {
			lt.PrimaryKey = str(m, "PrimaryKey")
			if alts, ok := m.get("AssociatedLogTypes"); ok {
				for _, a := range alts.items {
					lt.AssociatedLogTypes = append(lt.AssociatedLogTypes, AssociatedLogType{LogType: str(a, "LogType"), Selectors: strs(a, "Selectors")})
				}
			}
		}
		return lt
	case TypeScheduledPrompt:
		sp := &ScheduledPrompt{
			Header: h, DisplayName: str(r, "DisplayName"), PromptText: str(r, "PromptText"),
			RunAsUser: str(r, "RunAsUser"), Description: str(r, "Description"),
			OutputLength: str(r, "OutputLength"), Enabled: boolean(r, "Enabled", true),
		}
		if s, ok := r.get("Schedule"); ok {
			sp.Schedule = buildSchedule(s)
		}
		return sp
	}
	return nil
}

func buildDetection(e *entry, h Header) *Detection {
	r := e.root
	d := &Detection{
		Header:                    h,
		Enabled:                   boolean(r, "Enabled", false),
		Severity:                  str(r, "Severity"),
		DisplayName:               str(r, "DisplayName"),
		Description:               str(r, "Description"),
		Reference:                 str(r, "Reference"),
		Runbook:                   str(r, "Runbook"),
		Status:                    str(r, "Status"),
		CreatedBy:                 str(r, "CreatedBy"),
		LogTypes:                  strs(r, "LogTypes"),
		ScheduledQueries:          strs(r, "ScheduledQueries"),
		ResourceTypes:             strs(r, "ResourceTypes"),
		DedupPeriodMinutes:        integer(r, "DedupPeriodMinutes", 0),
		Threshold:                 integer(r, "Threshold", 0),
		CreateAlert:               boolean(r, "CreateAlert", true),
		OnlyUseBaseRiskScore:      boolean(r, "OnlyUseBaseRiskScore", false),
		OutputIds:                 strs(r, "OutputIds"),
		Tags:                      strs(r, "Tags"),
		SummaryAttributes:         strs(r, "SummaryAttributes"),
		Suppressions:              strs(r, "Suppressions"),
		BaseDetection:             str(r, "BaseDetection"),
		BaseVersion:               integer(r, "BaseVersion", 0),
		Filename:                  str(r, "Filename"),
		PythonPath:                e.pyPath,
		PythonSource:              e.python,
		AlertTitle:                str(r, "AlertTitle"),
		AutoRemediationID:         str(r, "AutoRemediationID"),
		ActionDelaySeconds:        integer(r, "ActionDelaySeconds", 0),
		Simple:                    e.simple,
		Filters:                   e.filters,
		Detection:                 anyVal(r, "Detection"),
		InlineFilters:             anyVal(r, "InlineFilters"),
		DynamicSeverities:         anyVal(r, "DynamicSeverities"),
		AlertContext:              anyVal(r, "AlertContext"),
		GroupBy:                   anyVal(r, "GroupBy"),
		AutoRemediationParameters: anyVal(r, "AutoRemediationParameters"),
	}
	// The backend treats a missing or zero dedup period as 60 minutes and
	// a missing or zero threshold as 1.
	if d.DedupPeriodMinutes <= 0 {
		d.DedupPeriodMinutes = 60
	}
	if d.Threshold <= 0 {
		d.Threshold = 1
	}
	if d.Type == TypeCorrelationRule {
		det, _ := r.get("Detection")
		d.Correlation = buildCorrelation(det)
	}
	if rep, ok := r.get("Reports"); ok && rep.kind == mapNode {
		d.Reports = make(map[string][]string, len(rep.keys))
		for i, k := range rep.keys {
			var vals []string
			for _, it := range rep.vals[i].items {
				vals = append(vals, keyString(it.val))
			}
			d.Reports[k] = vals
		}
	}
	if tests, ok := r.get("Tests"); ok {
		d.HasTests = true
		for _, t := range tests.items {
			d.Tests = append(d.Tests, buildTest(t))
		}
	}
	return d
}

func buildTest(n *node) Test {
	t := Test{
		Name:           str(n, "Name"),
		ExpectedResult: boolean(n, "ExpectedResult", false),
		LogType:        str(n, "LogType"),
		ResourceType:   str(n, "ResourceType"),
		Line:           n.line,
	}
	var data *node
	if lg, ok := n.get("Log"); ok {
		t.Log = lg.value()
		data = lg
	}
	if rs, ok := n.get("Resource"); ok {
		t.Resource = rs.value()
		data = rs
	}
	if data != nil {
		t.Data = data.value()
		t.DataJSON = data.json()
	}
	if ms, ok := n.get("Mocks"); ok {
		for _, m := range ms.items {
			rv, _ := m.get("returnValue")
			t.Mocks = append(t.Mocks, Mock{ObjectName: str(m, "objectName"), ReturnValue: rv.val})
		}
	}
	if ros, ok := n.get("RuleOutputs"); ok {
		for _, ro := range ros.items {
			t.RuleOutputs = append(t.RuleOutputs, RuleOutput{ID: str(ro, "ID"), Matches: anyVal(ro, "Matches")})
		}
	}
	return t
}

func buildSchedule(n *node) Schedule {
	return Schedule{
		CronExpression: str(n, "CronExpression"),
		RateMinutes:    integer(n, "RateMinutes", 0),
		TimeoutMinutes: integer(n, "TimeoutMinutes", 0),
	}
}

func str(n *node, key string) string {
	v, _ := n.get(key)
	return strVal(v)
}

func strs(n *node, key string) []string {
	v, ok := n.get(key)
	if !ok || v.kind != seqNode {
		return nil
	}
	out := make([]string, 0, len(v.items))
	for _, it := range v.items {
		out = append(out, strVal(it))
	}
	return out
}

func boolean(n *node, key string, def bool) bool {
	v, ok := n.get(key)
	if !ok {
		return def
	}
	b, ok := v.val.(bool)
	if !ok {
		return def
	}
	return b
}

func integer(n *node, key string, def int) int {
	v, ok := n.get(key)
	if !ok {
		return def
	}
	i, ok := v.val.(int64)
	if !ok {
		return def
	}
	return int(i)
}

func anyVal(n *node, key string) any {
	v, ok := n.get(key)
	if !ok {
		return nil
	}
	return v.value()
}
