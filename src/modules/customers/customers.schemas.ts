import { z } from 'zod';

/**
 * How a record (order, event, profile upsert) names its person: any identifiers it has, plus
 * profile hints used to fill a new or incomplete profile. A ref without identifiers is a guest.
 */
export const CustomerRefInput = z.object({
  id: z.uuid().optional().describe('A Kemai customer id, when the sender already knows it'),
  phone: z.string().max(40).optional(),
  email: z.string().max(320).optional(),
  memberNo: z.string().max(100).optional(),
  wechatOpenid: z.string().max(200).optional(),
  wechatUnionid: z.string().max(200).optional(),
  ecomUserId: z.string().max(200).optional(),
  posCard: z.string().max(100).optional(),
  deviceId: z.string().max(200).optional(),
  anonymousId: z.string().max(200).optional(),
  name: z.string().trim().max(100).optional(),
  gender: z.enum(['female', 'male', 'other', 'unknown']).optional(),
  birthday: z.iso.date().optional(),
  city: z.string().trim().max(100).optional(),
});
export type CustomerRefInput = z.output<typeof CustomerRefInput>;

/** Field of CustomerRefInput → identifier type. */
export const REF_IDENTIFIER_FIELDS = {
  phone: 'phone',
  email: 'email',
  memberNo: 'member_no',
  wechatOpenid: 'wechat_openid',
  wechatUnionid: 'wechat_unionid',
  ecomUserId: 'ecom_user_id',
  posCard: 'pos_card',
  deviceId: 'device_id',
  anonymousId: 'anonymous_id',
} as const;
