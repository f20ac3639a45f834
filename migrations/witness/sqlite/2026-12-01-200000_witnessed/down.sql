DROP TABLE witnessed;
