#!/bin/bash
# Mamori's deb after-remove script (electron-builder `deb.afterRemove`). The first part is electron-builder's
# own after-remove (26.x), kept as is. The helpers and their capabilities go with their files; on purge the
# mamori group goes too. Shell variables are written $name: electron-builder reads dollar-brace names as its macros.


# Delete the link to the binary
# update-alternatives --remove <name> <path>: 'path' must be the registered alternative binary,
# not the generic symlink — see https://man7.org/linux/man-pages/man1/update-alternatives.1.html
if type update-alternatives >/dev/null 2>&1; then
    update-alternatives --remove '${executable}' '/opt/${sanitizedProductName}/${executable}'
else
    rm -f '/usr/bin/${executable}'
fi

APPARMOR_PROFILE_DEST='/etc/apparmor.d/${executable}'

# Remove and unload apparmor profile.
if [ -f "$APPARMOR_PROFILE_DEST" ]; then
  # Unload the profile from the running kernel before deleting the file so the
  # policy is not left enforced until the next reboot.  Mirror the chroot guard
  # used in the after-install script — live AppArmor operations are not
  # meaningful inside a chroot.
  # https://wiki.debian.org/AppArmor/HowToUse
  if apparmor_status --enabled > /dev/null 2>&1; then
    if ! { [ -x '/usr/bin/ischroot' ] && /usr/bin/ischroot; } && hash apparmor_parser 2>/dev/null; then
      apparmor_parser --remove "$APPARMOR_PROFILE_DEST" || true
    fi
  fi
  rm -f "$APPARMOR_PROFILE_DEST"
fi
# ---- Mamori: the group that may run the helpers is removed on purge, kept on remove and upgrade ----
if [ "$1" = purge ] && getent group mamori >/dev/null; then
  groupdel mamori || echo "Mamori: could not remove the group mamori; remove it with: sudo groupdel mamori"
fi
