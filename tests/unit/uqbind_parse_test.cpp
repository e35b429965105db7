// NVME_QBENCH_UQ_BIND's parser (bench/uqbind/uqbind_parse.c): good pairs,
// and the message each malformed value gets.
#include "uqbind_parse.h"

#include <gtest/gtest.h>

#include <string>

namespace {

struct Parsed {
  int rc;
  std::string err;
  uqbind_config cfg;
};

Parsed parse(const char* spec) {
  Parsed p{};
  char err[256] = "";
  p.rc = uqbind_parse(spec, &p.cfg, err, sizeof(err));
  p.err = err;
  return p;
}

TEST(UqbindParse, OnePair) {
  auto p = parse("/dev/nvme0uq0=/dev/ng0n1");
  ASSERT_EQ(p.rc, 0) << p.err;
  ASSERT_EQ(p.cfg.n, 1u);
  EXPECT_STREQ(p.cfg.pairs[0].uq, "/dev/nvme0uq0");
  EXPECT_STREQ(p.cfg.pairs[0].ng, "/dev/ng0n1");
}

TEST(UqbindParse, SeveralPairsAndAliases) {
  auto p = parse("/dev/nvme0uq0=/dev/ng0n1,/dev/char/239:5=/dev/ng0n2,/dev/nvme1uq3=/dev/ng1n1");
  ASSERT_EQ(p.rc, 0) << p.err;
  ASSERT_EQ(p.cfg.n, 3u);
  EXPECT_STREQ(p.cfg.pairs[1].uq, "/dev/char/239:5");
  EXPECT_STREQ(p.cfg.pairs[1].ng, "/dev/ng0n2");
  EXPECT_STREQ(p.cfg.pairs[2].uq, "/dev/nvme1uq3");
  EXPECT_STREQ(p.cfg.pairs[2].ng, "/dev/ng1n1");
}

TEST(UqbindParse, TwoQueuesOneNamespace) {
  auto p = parse("/dev/nvme0uq0=/dev/ng0n1,/dev/nvme0uq1=/dev/ng0n1");
  ASSERT_EQ(p.rc, 0) << p.err;
  EXPECT_EQ(p.cfg.n, 2u);
}

TEST(UqbindParse, SixteenPairsAndNoMore) {
  std::string spec;
  for (int i = 0; i < UQBIND_MAX_PAIRS; i++) spec += (i ? "," : "") + std::string("/dev/nvme0uq") + std::to_string(i) + "=/dev/ng0n1";
  auto p = parse(spec.c_str());
  ASSERT_EQ(p.rc, 0) << p.err;
  EXPECT_EQ(p.cfg.n, 16u);
  spec += ",/dev/nvme0uq99=/dev/ng0n1";
  p = parse(spec.c_str());
  EXPECT_EQ(p.rc, -1);
  EXPECT_EQ(p.err, "has more than 16 pairs");
  EXPECT_EQ(p.cfg.n, 0u);
}

// Each malformed value and the sentence the library prints after
// "NVME_QBENCH_UQ_BIND=VALUE: ".
TEST(UqbindParse, Malformed) {
  const std::string usage = "give UQDEV=NGDEV[,UQDEV=NGDEV...]";
  const std::string empty_item = "has an empty item (two commas, or a comma at an end); " + usage;
  const std::string absolute = "UQDEV and NGDEV must be absolute paths, like /dev/nvme0uq0=/dev/ng0n1";
  struct {
    const char* spec;
    std::string err;
  } cases[] = {
      {"", "is empty; " + usage},
      {"/dev/nvme0uq0", "\"/dev/nvme0uq0\": is not UQDEV=NGDEV (no '=')"},
      {"/dev/nvme0uq0:/dev/ng0n1", "\"/dev/nvme0uq0:/dev/ng0n1\": is not UQDEV=NGDEV (no '=')"},
      {"/dev/nvme0uq0=/dev/ng0n1=x", "\"/dev/nvme0uq0=/dev/ng0n1=x\": is not UQDEV=NGDEV (more than one '=')"},
      {"/dev/nvme0uq0=", "\"/dev/nvme0uq0=\": " + absolute},
      {"=/dev/ng0n1", "\"=/dev/ng0n1\": " + absolute},
      {"nvme0uq0=/dev/ng0n1", "\"nvme0uq0=/dev/ng0n1\": " + absolute},
      {"/dev/nvme0uq0=ng0n1", "\"/dev/nvme0uq0=ng0n1\": " + absolute},
      {" /dev/nvme0uq0=/dev/ng0n1", "\" /dev/nvme0uq0=/dev/ng0n1\": " + absolute},
      {"/dev/nvme0uq0=/dev/ng0n1,", empty_item},
      {",/dev/nvme0uq0=/dev/ng0n1", empty_item},
      {"/dev/nvme0uq0=/dev/ng0n1,,/dev/nvme0uq1=/dev/ng0n1", empty_item},
      {",", empty_item},
      {"/dev/nvme0uq0=/dev/ng0n1,/dev/nvme0uq0=/dev/ng0n2",
       "\"/dev/nvme0uq0\": is listed twice (a queue binds to one namespace)"},
  };
  for (const auto& c : cases) {
    auto p = parse(c.spec);
    EXPECT_EQ(p.rc, -1) << c.spec;
    EXPECT_EQ(p.err, c.err) << c.spec;
    EXPECT_EQ(p.cfg.n, 0u) << c.spec;
  }
}

TEST(UqbindParse, NullAndTooLong) {
  auto p = parse(nullptr);
  EXPECT_EQ(p.rc, -1);
  std::string spec = "/dev/nvme0uq0=/dev/" + std::string(UQBIND_MAX_SPEC, 'n');
  p = parse(spec.c_str());
  EXPECT_EQ(p.rc, -1);
  EXPECT_EQ(p.err, "is too long (4095 characters at most)");
  // The longest accepted.
  spec = "/dev/nvme0uq0=/dev/" + std::string(UQBIND_MAX_SPEC - 1 - 19, 'n');
  p = parse(spec.c_str());
  EXPECT_EQ(p.rc, 0) << p.err;
}

TEST(UqbindParse, ShortErrorBufferStaysTerminated) {
  uqbind_config cfg;
  char err[8];
  ASSERT_EQ(uqbind_parse("x", &cfg, err, sizeof(err)), -1);
  EXPECT_EQ(std::string(err).size(), 7u);
}

}  // namespace
