package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/roster"
)

func toDistrict(d domain.District) districtResponse {
	return districtResponse{ID: d.ID, Name: d.Name, TimeZone: d.TimeZone, Settings: d.Settings, Rev: d.Rev}
}

// getDistrict answers GET /district: the district's name, time zone and
// settings, for its administrators.
func (s *Server) getDistrict(c *gin.Context) {
	d, err := s.roster.District(c.Request.Context(), principal(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toDistrict(d))
}

type districtSettingsChange struct {
	SchoolYearStartMonth       *int  `json:"school_year_start_month,omitempty"`
	SchoolYearStartDay         *int  `json:"school_year_start_day,omitempty"`
	MinCellSize                *int  `json:"min_cell_size,omitempty"`
	InvitePrincipalToFollowUps *bool `json:"invite_principal_to_follow_ups,omitempty"`
	ImportUndoDays             *int  `json:"import_undo_days,omitempty"`
}

type updateDistrictRequest struct {
	Name     *string                `json:"name,omitempty"`
	TimeZone *string                `json:"time_zone,omitempty"`
	Settings districtSettingsChange `json:"settings"`
	// Rev is the revision the change was made on.
	Rev *int64 `json:"rev,omitempty"`
}

// updateDistrict answers PATCH /district: fields left out stay as they are.
func (s *Server) updateDistrict(c *gin.Context) {
	var req updateDistrictRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.roster.UpdateDistrict(c.Request.Context(), principal(c), roster.DistrictChange{
		Name: req.Name, TimeZone: req.TimeZone,
		SchoolYearStartMonth: req.Settings.SchoolYearStartMonth, SchoolYearStartDay: req.Settings.SchoolYearStartDay,
		MinCellSize: req.Settings.MinCellSize, InvitePrincipalToFollowUps: req.Settings.InvitePrincipalToFollowUps,
		ImportUndoDays: req.Settings.ImportUndoDays, Rev: req.Rev,
	}, client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toDistrict(d))
}
