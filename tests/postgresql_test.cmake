# postgresql_test reads the extension's reference data, kept gzip-compressed
# in tests/data/postgresql-hll: zlib is linked into this test only.
find_package(ZLIB REQUIRED)
target_link_libraries(${name} PRIVATE ZLIB::ZLIB)
