#include <check.h>
#include "abi.h"
START_TEST(t_dummy) { ck_assert_ptr_nonnull(wacc_ctype_prim(WACC_CT_U8)); }
END_TEST
int main(void)
{
    Suite *s = suite_create("abi");
    TCase *tc = tcase_create("all");
    tcase_add_test(tc, t_dummy);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? 1 : 0;
}
