# bench/redis_bench.cpp times PFMERGE on a redis-server it starts itself, with
# hiredis as the client (cmake/HashsketchHiredis.cmake). Without hiredis it is
# built with HASHSKETCH_NO_HIREDIS and reports pfmerge_server_available = 0.
include(HashsketchHiredis)
hashsketch_link_hiredis(hashsketch_bench)
