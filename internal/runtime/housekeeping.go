package runtime

import (
	"path/filepath"
	"time"

	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

// lakeHousekeeper compacts the closed hours' small files and applies lake.retention_days
// to every kind of lake data: the default Housekeeper of the server. Its runs are counted
// in /metrics.
type lakeHousekeeper struct {
	*lake.Housekeeper
	merger *sqlengine.Merger
}

func (s *Server) newLakeHousekeeper() (*lakeHousekeeper, error) {
	merger, err := sqlengine.NewMerger(sqlengine.MergerOptions{TempDir: filepath.Join(s.dataDir, "tmp")})
	if err != nil {
		return nil, err
	}
	var retention map[lake.Kind]time.Duration
	if days := s.cfg.Lake.RetentionDays; days > 0 {
		keep := time.Duration(days) * 24 * time.Hour
		retention = map[lake.Kind]time.Duration{}
		for _, k := range lake.Kinds {
			retention[k] = keep
		}
	}
	grace := s.cfg.Lake.CompactionGrace.Std()
	if grace == 0 {
		grace = time.Nanosecond // 0 in the configuration is "at once", in lake the default
	}
	m := s.metrics
	h, err := lake.NewHousekeeper(lake.HousekeepingOptions{Dir: s.lakeDir, Merger: merger, Retention: retention,
		Grace: grace, TargetFileBytes: int64(s.cfg.Lake.CompactionTarget),
		Logger: s.log.With("component", "housekeeping"),
		OnReport: func(r lake.Report) {
			m.Compactions.Add(float64(r.Compacted))
			m.FilesReplaced.Add(float64(r.FilesReplaced))
			m.PartitionsExpired.Add(float64(r.Expired))
			m.FilesDeleted.Add(float64(r.Deleted))
		}})
	if err != nil {
		merger.Close()
		return nil, err
	}
	return &lakeHousekeeper{Housekeeper: h, merger: merger}, nil
}

func (k *lakeHousekeeper) Close() error { return k.merger.Close() }
