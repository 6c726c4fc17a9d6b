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
	SchoolYearStartMonth       *int    `json:"school_year_start_month,omitempty"`
	SchoolYearStartDay         *int    `json:"school_year_start_day,omitempty"`
	MinCellSize                *int    `json:"min_cell_size,omitempty"`
	InvitePrincipalToFollowUps *bool   `json:"invite_principal_to_follow_ups,omitempty"`
	ImportUndoDays             *int    `json:"import_undo_days,omitempty"`
	SchoolDays                 *string `json:"school_days,omitempty"`
	FeedbackSharing            *struct {
		Classroom  *domain.Sharing `json:"classroom,omitempty"`
		Leadership *domain.Sharing `json:"leadership,omitempty"`
		FollowUp   *domain.Sharing `json:"follow_up,omitempty"`
		Informal   *domain.Sharing `json:"informal,omitempty"`
	} `json:"feedback_sharing,omitempty"`
}

// sharingChange is the kinds a change of feedback_sharing names.
func (c districtSettingsChange) sharingChange() map[domain.WalkthroughKind]domain.Sharing {
	out := map[domain.WalkthroughKind]domain.Sharing{}
	if f := c.FeedbackSharing; f != nil {
		for k, v := range map[domain.WalkthroughKind]*domain.Sharing{domain.KindClassroom: f.Classroom, domain.KindLeadership: f.Leadership,
			domain.KindFollowUp: f.FollowUp, domain.KindInformal: f.Informal} {
			if v != nil {
				out[k] = *v
			}
		}
	}
	return out
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
		ImportUndoDays: req.Settings.ImportUndoDays, SchoolDays: req.Settings.SchoolDays, FeedbackSharing: req.Settings.sharingChange(), Rev: req.Rev,
	}, client(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toDistrict(d))
}
