ALTER TABLE inspections DROP COLUMN assessment_id;
DROP TABLE risk_assessments;
