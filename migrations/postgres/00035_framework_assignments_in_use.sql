-- Frameworks published before assignments existed, other than the main one,
-- were left with no assignment, although observers had scored with them.
-- Each such framework that has observations is assigned to the schools
-- where it was used (every kind of walkthrough), from its first
-- publication, so that what was scored with it before stays valid for its
-- time and those schools keep what they had; an administrator can roll the
-- assignment back like any other. The assignment takes the framework's id,
-- which marks it as made here.

-- +goose Up
INSERT INTO framework_assignments (id, district_id, rubric_id, school_ids, kinds, starts_at, created_at)
SELECT r.id, r.district_id, r.id,
    (SELECT json_agg(DISTINCT o.school_id ORDER BY o.school_id)::text
     FROM observations o JOIN rubric_versions v ON v.id = o.rubric_version_id
     WHERE v.rubric_id = r.id AND o.deleted_at IS NULL),
    '[]',
    (SELECT MIN(v.published_at) FROM rubric_versions v WHERE v.rubric_id = r.id AND v.status = 'published'),
    CURRENT_TIMESTAMP
FROM rubrics r
WHERE NOT r.main AND r.retired_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM framework_assignments a WHERE a.rubric_id = r.id)
  AND EXISTS (SELECT 1 FROM rubric_versions v WHERE v.rubric_id = r.id AND v.status = 'published')
  AND EXISTS (SELECT 1 FROM observations o JOIN rubric_versions v ON v.id = o.rubric_version_id
              WHERE v.rubric_id = r.id AND o.deleted_at IS NULL);

-- Devices learn of the assignments through pull.
UPDATE rubrics SET rev = rev + 1
WHERE id IN (SELECT a.id FROM framework_assignments a WHERE a.id = a.rubric_id);
INSERT INTO change_log (district_id, entity, record_id, rev, deleted, changed_at)
SELECT r.district_id, 'framework', r.id, r.rev, false, CURRENT_TIMESTAMP FROM rubrics r
WHERE r.id IN (SELECT a.id FROM framework_assignments a WHERE a.id = a.rubric_id)
ORDER BY r.created_at, r.id;

-- +goose Down
DELETE FROM framework_assignments WHERE id = rubric_id;
