/*
 * kholab/version.h - the release this tree builds.  A kernel that hands
 * over writes "kholab <KHOLAB_VERSION>" into the kho-v4 kexec-metadata, so
 * the next kernel (kholab or Linux) can say who handed over.
 */
#ifndef KHOLAB_VERSION_H
#define KHOLAB_VERSION_H

#define KHOLAB_VERSION		"0.5.0"
#define KHOLAB_RELEASE		"kholab " KHOLAB_VERSION

#endif /* KHOLAB_VERSION_H */
