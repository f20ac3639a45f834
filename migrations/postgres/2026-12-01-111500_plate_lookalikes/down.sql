-- The fold cannot be undone: a folded key does not say how it was written.
-- Keys stay folded; the plates as signed are in the acts.
SELECT 1;
