DROP TABLE invalidations;
