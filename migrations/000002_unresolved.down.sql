DROP TABLE unresolved_lookups;
