package domain

// Scope is what a caller may see: one district, and in it either every
// school or a listed set. The auth package computes it per request from role
// grants; the store applies it to every query.
type Scope struct {
	DistrictID string
	AllSchools bool
	SchoolIDs  []string
}

// DistrictScope is a scope over every school of a district.
func DistrictScope(districtID string) Scope {
	return Scope{DistrictID: districtID, AllSchools: true}
}

// HasSchool reports whether the scope covers schoolID.
func (s Scope) HasSchool(schoolID string) bool {
	if s.AllSchools {
		return true
	}
	for _, id := range s.SchoolIDs {
		if id == schoolID {
			return true
		}
	}
	return false
}

// Empty reports whether the scope covers no school.
func (s Scope) Empty() bool { return !s.AllSchools && len(s.SchoolIDs) == 0 }
