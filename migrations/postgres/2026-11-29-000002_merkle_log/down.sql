DROP TABLE checkpoints;
DROP TABLE tree_nodes;
