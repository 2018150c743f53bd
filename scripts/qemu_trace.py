#!/usr/bin/env python3
"""scripts/qemu_trace.py - build Debian's QEMU 7.2 with a trace of SVM world
switches, for hunting issue 11's reset (a developer's tool: neither `make
test` nor `make run` uses it).

What the build adds (all output on QEMU's stderr, which the runner keeps as
the boot's qemu.log; every line starts with "QDBG"):
  - a ring of the last 64 world switches per vCPU thread:
      R vmcb hflags hflags2 guest-cr3 event_inj     (VMRUN, before injection)
      P vmcb hflags hflags2 rip 0                   (VMRUN set HF2_NPT)
      X exit_code exit_info1 hflags hflags2 rip     (#VMEXIT, on entry)
      N checkpoint hflags2 hflags rip irq_request   (HF2_NPT still set at a
                                                     checkpoint of do_vmexit)
      H rip hflags hflags2 cr3 cr0                  (#VMEXIT, host loaded)
  - "npt-in-host": a walk with HF2_NPT set while the CPU is not in guest
    mode (the first 5), with the registers, a walk of the host tables read
    physically, and the ring;
  - "hostfault": any page fault the CPU takes in host mode at CPL 0 in long
    mode (Shroud's host never faults), same details;
  - "hook": HF2_NPT set on entry to the nested-TLB flush of do_vmexit,
    right after do_vmexit cleared it.
  - QDBG_FIXUP=1 in QEMU's environment: do_vmexit clears HF2_NPT again at
    its end and logs "fixup" when that was needed (the experiment that
    tells whether the lost clear is the whole reset).

usage:
  python3 scripts/qemu_trace.py [--dir /tmp/qemu-trace]   (about 20 minutes
      on 2 cores; needs deb-src and `apt-get build-dep`-like packages,
      which it installs: meson, libglib2.0-dev, libpixman-1-dev, ...)
  SHROUD_QEMU=/tmp/qemu-trace/build/qemu-system-x86_64 \\
      python3 -m pytest test/integration/test_smp_race.py
The source is bookworm's QEMU 7.2 (apt-get source qemu/bookworm, the
version `make setup` installs); the edits below are anchored on single
lines of it and fail loudly if the source moved.
"""
import argparse
import glob
import os
import subprocess
import sys

RING = r'''
/* qemu_trace.py: per-vCPU-thread ring of SVM world switches */
struct qdbg_rec { char kind; uint64_t a, b, c, d, e; };
static __thread struct qdbg_rec qdbg_ring[64];
static __thread unsigned qdbg_n;
static __thread int qdbg_in_exit;
void qdbg_note(char kind, uint64_t a, uint64_t b, uint64_t c, uint64_t d,
               uint64_t e)
{
    struct qdbg_rec *r = &qdbg_ring[qdbg_n++ % 64];
    r->kind = kind; r->a = a; r->b = b; r->c = c; r->d = d; r->e = e;
}
void qdbg_dump(int cpu)
{
    unsigned i, n = qdbg_n < 64 ? qdbg_n : 64;
    for (i = 0; i < n; i++) {
        struct qdbg_rec *r = &qdbg_ring[(qdbg_n - n + i) % 64];
        fprintf(stderr, "QDBG cpu%d ring[-%u] %c %" PRIx64 " %" PRIx64
                " %" PRIx64 " %" PRIx64 " %" PRIx64 "\n", cpu, n - i, r->kind,
                r->a, r->b, r->c, r->d, r->e);
    }
}
extern void (*qdbg_tlb_hook)(CPUState *cpu, int where);
static void qdbg_hook(CPUState *cpu, int where)
{
    CPUX86State *env = cpu->env_ptr;
    if (qdbg_in_exit && (env->hflags2 & HF2_NPT_MASK)) {
        fprintf(stderr, "QDBG hook cpu%d NPT set at flush point %d, "
                "hflags2=%x\n", cpu->cpu_index, where, env->hflags2);
    }
}
#define QCHK(n) do { if (env->hflags2 & HF2_NPT_MASK) { \
    qdbg_note('N', n, env->hflags2, env->hflags, env->eip, \
              cs->interrupt_request); } } while (0)

'''

HOSTFAULT = r'''
static void qdbg_host_fault(CPUX86State *env, vaddr addr, int at, int mmu_idx,
                            const TranslateFault *err, const char *why)
{
    CPUState *cs = env_cpu(env);
    uint64_t t;
    int sh;

    fprintf(stderr, "QDBG cpu%d %s addr=%" PRIx64 " at=%d idx=%d exc=%d "
            "ec=%x cr2=%" PRIx64 " hflags=%x hflags2=%x cr0=%" PRIx64
            " cr3=%" PRIx64 " cr4=%" PRIx64 " efer=%" PRIx64 " ncr3=%"
            PRIx64 " eip=%" PRIx64 " vmcb=%" PRIx64 " hsave=%" PRIx64 "\n",
            cs->cpu_index, why, (uint64_t)addr, at, mmu_idx,
            err ? err->exception_index : -1, err ? err->error_code : 0,
            err ? (uint64_t)err->cr2 : 0, env->hflags, env->hflags2,
            (uint64_t)env->cr[0], (uint64_t)env->cr[3],
            (uint64_t)env->cr[4], (uint64_t)env->efer,
            (uint64_t)env->nested_cr3, (uint64_t)env->eip,
            (uint64_t)env->vm_vmcb, (uint64_t)env->vm_hsave);
    t = env->cr[3] & ~0xfffULL;
    for (sh = 39; sh >= 12; sh -= 9) {
        uint64_t e = x86_ldq_phys(cs, t + ((addr >> sh) & 0x1ff) * 8);
        fprintf(stderr, "QDBG cpu%d   walk level-shift %d table %" PRIx64
                " entry %" PRIx64 "\n", cs->cpu_index, sh, t, e);
        if (!(e & 1) || (sh > 12 && (e & 0x80))) {
            break;
        }
        t = e & 0xffffffffff000ULL;
    }
    qdbg_dump(cs->cpu_index);
}

'''

# (file, scope, anchor line, where, text).  The anchor is the first line
# equal to it after the scope's line (a function's first line; None: the
# whole file, where the anchor must be unique).  where: -1 inserts before
# the anchor, -2 before the line above it, +1 after the anchor, +3 after
# the third line from it, 0 replaces it.
EDITS = [
    ("target/i386/tcg/helper-tcg.h", None,
     "void do_vmexit(CPUX86State *env);", 1,
     "void qdbg_note(char kind, uint64_t a, uint64_t b, uint64_t c, "
     "uint64_t d, uint64_t e);\nvoid qdbg_dump(int cpu);\n"),
    ("target/i386/tcg/sysemu/svm_helper.c", None,
     "void helper_vmrun(CPUX86State *env, int aflag, int next_eip_addend)",
     -1, RING),
    ("target/i386/tcg/sysemu/svm_helper.c", None,
     "        env->hflags2 |= HF2_NPT_MASK;", 1,
     "        qdbg_note('P', env->vm_vmcb, env->hflags, env->hflags2, "
     "env->eip, 0);\n"),
    ("target/i386/tcg/sysemu/svm_helper.c", None,
     "    /* maybe we need to inject an event */", -1,
     "    qdbg_note('R', env->vm_vmcb, env->hflags, env->hflags2, env->cr[3],"
     " x86_ldl_phys(cs, env->vm_vmcb + offsetof(struct vmcb, "
     "control.event_inj)));\n"),
    ("target/i386/tcg/sysemu/svm_helper.c", None,
     "void do_vmexit(CPUX86State *env)", 3,
     "    qdbg_tlb_hook = qdbg_hook;\n"
     "    qdbg_note('X', x86_ldq_phys(cs, env->vm_vmcb + offsetof(struct vmcb,"
     " control.exit_code)), x86_ldq_phys(cs, env->vm_vmcb + offsetof(struct "
     "vmcb, control.exit_info_1)), env->hflags, env->hflags2, env->eip);\n"),
    ("target/i386/tcg/sysemu/svm_helper.c", None,
     "    tlb_flush_by_mmuidx(cs, 1 << MMU_NESTED_IDX);", 0,
     "    qdbg_in_exit = 1;\n"
     "    tlb_flush_by_mmuidx(cs, 1 << MMU_NESTED_IDX);\n"
     "    qdbg_in_exit = 0;\n    QCHK(1);\n"),
    ("target/i386/tcg/sysemu/svm_helper.c", None,
     "    /* Reload the host state from vm_hsave */", -1, "    QCHK(2);\n"),
    ("target/i386/tcg/sysemu/svm_helper.c", None,
     "    /* other setups */", -1,
     "    QCHK(3);\n    qdbg_note('H', env->eip, env->hflags, env->hflags2, "
     "env->cr[3], env->cr[0]);\n"),
    ("target/i386/tcg/sysemu/svm_helper.c", None,
     "    env->hflags2 &= ~HF2_VGIF_MASK;", 1,
     "    if ((env->hflags2 & HF2_NPT_MASK) && getenv(\"QDBG_FIXUP\")) {\n"
     "        fprintf(stderr, \"QDBG fixup cpu%d: NPT still set at the end "
     "of do_vmexit, cleared\\n\", env_cpu(env)->cpu_index);\n"
     "        env->hflags2 &= ~HF2_NPT_MASK;\n    }\n"),
    ("target/i386/tcg/sysemu/excp_helper.c", None,
     "static bool get_physical_address(CPUX86State *env, vaddr addr,", -1,
     HOSTFAULT),
    ("target/i386/tcg/sysemu/excp_helper.c", None,
     "    bool use_stage2 = env->hflags2 & HF2_NPT_MASK;", 1,
     "    if (use_stage2 && !(env->hflags & HF_GUEST_MASK)) {\n"
     "        static int once;\n        if (once++ < 5) {\n"
     "            qdbg_host_fault(env, addr, access_type, mmu_idx, NULL, "
     "\"npt-in-host\");\n        }\n    }\n"),
    ("target/i386/tcg/sysemu/excp_helper.c", None,
     "        /* This will be used if recursing for stage2 translation. */",
     -2,
     "    if (!(env->hflags & HF_GUEST_MASK) && "
     "(env->hflags & HF_CPL_MASK) == 0 &&\n"
     "        mmu_idx != MMU_NESTED_IDX && (env->hflags & HF_LMA_MASK)) {\n"
     "        qdbg_host_fault(env, addr, access_type, mmu_idx, &err, "
     "\"hostfault\");\n    }\n"),
    ("accel/tcg/cputlb.c", None,
     "static void tlb_flush_by_mmuidx_async_work(CPUState *cpu, "
     "run_on_cpu_data data)", -1,
     "void (*qdbg_tlb_hook)(CPUState *cpu, int where);\n"),
    ("accel/tcg/cputlb.c",
     "static void tlb_flush_by_mmuidx_async_work(CPUState *cpu, "
     "run_on_cpu_data data)",
     "    qemu_spin_lock(&env_tlb(env)->c.lock);", -1,
     "    if (qdbg_tlb_hook) {\n        qdbg_tlb_hook(cpu, 10);\n    }\n"),
]


def sh(cmd, **kw):
    print("+", cmd, flush=True)
    subprocess.run(cmd, shell=True, check=True, **kw)


def edit(src, path, scope, anchor, where, text):
    """Apply one of EDITS to the source tree at src; exit if the source no
    longer has its anchor (or has it more than once, unscoped)."""
    p = os.path.join(src, path)
    lines = open(p).read().split("\n")
    start = 0
    if scope is not None:
        start = [k for k, l in enumerate(lines) if l.startswith(scope)]
        if not start:
            sys.exit("qemu_trace: scope not found in %s: %r" % (path, scope))
        start = start[0]
    hits = [k for k, l in enumerate(lines) if k >= start and l == anchor]
    if not hits or (scope is None and len(hits) > 1):
        sys.exit("qemu_trace: anchor %s in %s: %r"
                 % ("ambiguous" if hits else "not found", path, anchor))
    i = hits[0]
    new = text.rstrip("\n").split("\n")
    if where == 0:
        lines[i:i + 1] = new
    elif where < 0:
        lines[i + where + 1:i + where + 1] = new
    else:
        lines[i + where:i + where] = new
    open(p, "w").write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="/tmp/qemu-trace")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    sh("DEBIAN_FRONTEND=noninteractive apt-get install -y -q meson "
       "ninja-build libglib2.0-dev libpixman-1-dev zlib1g-dev libfdt-dev "
       "python3-venv dpkg-dev >/dev/null")
    srcs = glob.glob(os.path.join(a.dir, "qemu-7.2*/"))
    if not srcs:        # first run: fetch and edit (later runs rebuild)
        sh("apt-get source -q qemu/bookworm >/dev/null", cwd=a.dir)
        srcs = glob.glob(os.path.join(a.dir, "qemu-7.2*/"))
        for e in EDITS:
            edit(srcs[0], *e)
    src = srcs[0]
    bld = os.path.join(a.dir, "build")
    if not os.path.exists(os.path.join(bld, "build.ninja")):
        os.makedirs(bld, exist_ok=True)
        sh(os.path.join(src, "configure") + " --target-list=x86_64-softmmu "
           "--prefix=/usr --disable-docs --disable-werror --disable-gtk "
           "--disable-sdl --disable-vnc --disable-opengl --disable-spice "
           "--disable-curses --disable-slirp --disable-xen --disable-kvm "
           "--disable-capstone --disable-libusb --disable-usb-redir "
           "--disable-gnutls --disable-nettle --disable-gcrypt >configure.log",
           cwd=bld)
    sh("ninja qemu-system-x86_64 >ninja.log", cwd=bld)
    print("SHROUD_QEMU=%s" % os.path.join(bld, "qemu-system-x86_64"))


if __name__ == "__main__":
    main()
